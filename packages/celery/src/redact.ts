// Redis credentials never leave the process: a URL is shown with its password replaced, and any
// text (an error message, say) has the password of the configured URL masked wherever it appears.
const MASK = '***';

/** `redis://user:secret@host:6379/0` -> `redis://user:***@host:6379/0`. Unparseable input is masked whole. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = MASK;
    return u.toString();
  } catch {
    return MASK;
  }
}

/** `text` with the password (raw and percent-decoded) and the full URL of `redisUrl` masked. */
export function redactRedisUrl(text: string, redisUrl: string): string {
  let out = text.split(redisUrl).join(redactUrl(redisUrl));
  let password = '';
  try {
    password = new URL(redisUrl).password;
  } catch {
    return out;
  }
  if (password === '') return out;
  const forms = new Set([password]);
  try {
    forms.add(decodeURIComponent(password));
  } catch {
    // A malformed escape: the raw form is masked anyway.
  }
  for (const f of forms) if (f.length > 0) out = out.split(f).join(MASK);
  return out;
}
