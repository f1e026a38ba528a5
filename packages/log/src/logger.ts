// The one logger factory. Settings arrive as arguments (packages never read process.env);
// bindings such as task id or party are fixed with `logger.child(...)` once, as pino intends.
import { pino } from 'pino';
import type { Logger, Level, LevelWithSilent, DestinationStream, StreamEntry } from 'pino';
import { REDACT_PATHS } from './redact.ts';

export type { Logger };
export type LogLevel = LevelWithSilent;

export interface LoggerOptions {
  /** Default 'info'. */
  level?: LogLevel;
  /** Logger name (the `name` field); default 'sfw'. */
  name?: string;
  /** Also append JSON lines to this file (created with parent dirs). */
  file?: string | undefined;
  /** Console stream, or a file descriptor (1 stdout, 2 stderr); default 1. `null` disables console output. */
  console?: DestinationStream | 1 | 2 | null;
  /** Console threshold when it should differ from `level` (e.g. a CLI keeping the console quiet). */
  consoleLevel?: LogLevel;
  /** Extra fields censored in addition to REDACT_PATHS. */
  redact?: readonly string[];
  /** Synchronous file writes (tests read the file right after logging). Default false. */
  syncFile?: boolean;
}

/**
 * A pino logger: JSON lines with `pid`, `hostname`, millisecond ISO `time`, secrets censored,
 * written to the console and optionally to a file (pino.multistream: one serialization, two sinks).
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const fileLevel = opts.level ?? 'info';
  const consoleLevel = opts.consoleLevel ?? fileLevel;
  const rank = (l: LogLevel): number => (l === 'silent' ? Infinity : pino.levels.values[l] ?? 30);
  // The logger's own threshold is the lower of the two; each stream filters to its own.
  const level = rank(consoleLevel) < rank(fileLevel) ? consoleLevel : fileLevel;
  // A silent logger still needs a stream level; 'fatal' is the highest real one.
  const streamLevel = (l: LogLevel): Level => (l === 'silent' ? 'fatal' : l);
  const streams: StreamEntry[] = [];
  const con = opts.console === undefined ? 1 : opts.console;
  if (con !== null) streams.push({ level: streamLevel(consoleLevel), stream: typeof con === 'number' ? pino.destination({ dest: con, sync: false }) : con });
  if (opts.file !== undefined && opts.file !== '') {
    streams.push({ level: streamLevel(fileLevel), stream: pino.destination({ dest: opts.file, mkdir: true, sync: opts.syncFile ?? false }) });
  }
  return pino(
    {
      name: opts.name ?? 'sfw',
      level,
      // isoTime keeps milliseconds ("2026-11-27T22:58:12.345Z"); pid and hostname come from pino's base.
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACT_PATHS, ...(opts.redact ?? [])], censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    streams.length === 0 ? pino.destination({ dest: '/dev/null' }) : pino.multistream(streams),
  );
}

/** A logger that drops everything (library default when the caller passes none). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Flushes asynchronous destinations before exit. */
export async function flushLogger(logger: Logger): Promise<void> {
  await new Promise<void>((resolve) => {
    logger.flush(() => resolve());
  });
}
