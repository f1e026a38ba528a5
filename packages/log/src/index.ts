export { createLogger, silentLogger, flushLogger } from './logger.ts';
export type { Logger, LogLevel, LoggerOptions } from './logger.ts';
export { REDACT_PATHS, redactUrl, redactSecrets } from './redact.ts';
