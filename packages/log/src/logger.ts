// The one logger factory. Settings arrive as arguments (packages never read process.env);
// bindings such as task id or party are fixed with `logger.child(...)` once, as pino intends.
import { pino } from 'pino';
import type { Logger, Level, LevelWithSilent, DestinationStream, StreamEntry } from 'pino';
import { REDACT_PATHS, fieldCensor } from './redact.ts';

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
 * Asynchronous destinations collect lines and write them once 4 KiB are waiting or every 200 ms:
 * one write per line (a thread-pool round trip each) was a tenth of a light task's CPU in the
 * worker. A line is at most 200 ms late; pino writes what is waiting synchronously when the process
 * exits (also on an uncaught exception), and `flushLogger` writes it on demand.
 */
const BATCHED = { sync: false, minLength: 4096, periodicFlush: 200 } as const;
/** How long `flushLogger` waits for a destination (a console nobody reads must not hold an exit). */
const FLUSH_WAIT_MS = 2000;

interface Flushable {
  flush(cb: (err?: Error) => void): void;
}
/** The batched destinations of each logger made here (pino's own flush does not reach through a multistream). */
const batchedOf = new WeakMap<Logger, Flushable[]>();

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
  const batched: Flushable[] = [];
  const keep = <T extends Flushable>(d: T): T => {
    batched.push(d);
    return d;
  };
  const con = opts.console === undefined ? 1 : opts.console;
  if (con !== null) streams.push({ level: streamLevel(consoleLevel), stream: typeof con === 'number' ? keep(pino.destination({ dest: con, ...BATCHED })) : con });
  if (opts.file !== undefined && opts.file !== '') {
    const dest = opts.syncFile === true ? pino.destination({ dest: opts.file, mkdir: true, sync: true }) : keep(pino.destination({ dest: opts.file, mkdir: true, ...BATCHED }));
    streams.push({ level: streamLevel(fileLevel), stream: dest });
  }
  const censor = fieldCensor([...REDACT_PATHS, ...(opts.redact ?? [])], '[redacted]');
  const logger = pino(
    {
      name: opts.name ?? 'sfw',
      level,
      // isoTime keeps milliseconds ("2026-11-27T22:58:12.345Z"); pid and hostname come from pino's base.
      timestamp: pino.stdTimeFunctions.isoTime,
      // Secrets censored in each line's fields (here) and in child bindings (below). pino's own
      // `redact` with the same paths cost more than the rest of a light task's log line.
      formatters: { level: (label) => ({ level: label }), log: censor },
    },
    streams.length === 0 ? pino.destination({ dest: '/dev/null' }) : pino.multistream(streams),
  );
  // Every descendant inherits this `child` (pino makes a child with Object.create(parent)), so
  // bindings are censored at every level before pino serializes them once.
  const pinoChild = logger.child;
  logger.child = function censoredChild(this: Logger, bindings, options) {
    return pinoChild.call(this, censor(bindings), options);
  } as Logger['child'];
  batchedOf.set(logger, batched);
  return logger;
}

/** A logger that drops everything (library default when the caller passes none). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Writes what the logger's batched destinations hold (bounded wait); other loggers: pino's flush. */
export async function flushLogger(logger: Logger): Promise<void> {
  const batched = batchedOf.get(logger);
  if (batched === undefined) {
    await new Promise<void>((resolve) => {
      logger.flush(() => resolve());
    });
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, FLUSH_WAIT_MS);
    timer.unref();
  });
  await Promise.race([Promise.all(batched.map((d) => new Promise<void>((resolve) => d.flush(() => resolve())))), waited]);
  clearTimeout(timer);
}
