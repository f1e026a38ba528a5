// What must never reach a log line or an error message: credentials in URLs, secret-bearing keys.
// pino's `redact` handles structured fields (paths fixed once at logger creation, as pino intends);
// `redactUrl` / `redactSecrets` handle free text such as a Redis URL inside a message.

/** Object paths pino censors. Wildcards cover one level of nesting (pino's fast-redact syntax). */
export const REDACT_PATHS: readonly string[] = [
  'password', '*.password', 'redisUrl', '*.redisUrl', 'redis_url', '*.redis_url', 'REDIS_URL', '*.REDIS_URL',
  'token', '*.token', 'secret', '*.secret', 'seed', '*.seed', 'seeds', '*.seeds', 'share', '*.share',
  'shares', '*.shares', 'mask', '*.mask', 'triple', '*.triple', 'authorization', '*.authorization',
  'headers.authorization', 'req.headers.authorization',
];

/** `redis://user:pass@host:6379/0` -> `redis://user:***@host:6379/0`; strings without credentials unchanged. */
export function redactUrl(url: string): string {
  return url.replace(/([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]*):([^/@\s]*)@/gi, '$1$2:***@')
    .replace(/([a-z][a-z0-9+.-]*:\/\/):([^/@\s]*)@/gi, '$1:***@');
}

const SECRET_ASSIGNMENT = /\b(password|passwd|pwd|token|secret|api[_-]?key|seed|authorization)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;}]+)/gi;

/** Redacts URL credentials and `password=...`-style assignments in free text. */
export function redactSecrets(text: string): string {
  return redactUrl(text).replace(SECRET_ASSIGNMENT, '$1$2***');
}

interface PathNode {
  /** Keys censored at this level. */
  readonly leaf: Set<string>;
  /** Keys whose value is searched further. */
  readonly child: Map<string, PathNode>;
  /** `*`: every key's value is searched further. */
  any: PathNode | undefined;
}

const newNode = (): PathNode => ({ leaf: new Set(), child: new Map(), any: undefined });

/** A copy that keeps the prototype and every own property (an Error keeps its message and stack). */
function copyOf(src: object): object {
  if (Array.isArray(src)) return src.slice();
  return Object.create(Object.getPrototypeOf(src) as object | null, Object.getOwnPropertyDescriptors(src)) as object;
}

/**
 * Censors the values at `paths` (pino's path syntax as used in REDACT_PATHS: `key`, `a.b`, `*.key`)
 * in a log line's fields, copying an object only where something is censored: the caller's object
 * is never changed, and a line with nothing to censor costs a look-up per key. pino's own `redact`
 * passes every value through its wildcard paths; this runs per line and per child logger's
 * bindings (logger.ts), where that cost was a large part of a light task's log line.
 */
export function fieldCensor(paths: readonly string[], censor: string): <T extends object>(obj: T) => T {
  const root = newNode();
  for (const path of paths) {
    const parts = path.split('.');
    let node = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) {
        if (part === '*') throw new Error(`redact path ${path}: a wildcard must not be last`);
        node.leaf.add(part);
        return;
      }
      if (part === '*') node = node.any ??= newNode();
      else {
        let next = node.child.get(part);
        if (next === undefined) node.child.set(part, (next = newNode()));
        node = next;
      }
    });
  }
  const apply = (value: unknown, node: PathNode): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    let out: object | undefined;
    for (const [k, cur] of Object.entries(value)) {
      let next: unknown = cur;
      if (node.leaf.has(k)) {
        if (cur !== undefined) next = censor;
      } else {
        const sub = node.child.get(k);
        if (sub !== undefined) next = apply(next, sub);
        if (node.any !== undefined) next = apply(next, node.any);
      }
      if (next !== cur) Reflect.set((out ??= copyOf(value)), k, next);
    }
    return out ?? value;
  };
  return <T extends object>(obj: T): T => apply(obj, root) as T;
}
