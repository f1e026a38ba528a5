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
