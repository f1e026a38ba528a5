// Worker settings: defaults < config file (JSON) < environment < command-line overrides, validated
// once at start-up with zod. A bad value is reported with the name the user set it by (the env var,
// or the key in the config file), e.g. "CELERY_CONCURRENCY (from environment): must be >= 1".
import { readFileSync } from 'node:fs';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { redactUrl } from '@sfw/celery';

const bool = z.union([z.boolean(), z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])]).transform((v) => v === true || v === '1' || v === 'true' || v === 'yes' || v === 'on');
const int = (min: number) => z.coerce.number().int().min(min);
const list = z.union([z.array(z.string()), z.string()]).transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s !== ''));
// 0, '', 'none' or null disable a time limit.
const limit = z.union([z.null(), z.literal(''), z.literal('none'), z.coerce.number().min(0)]).transform((v) => (v === null || v === '' || v === 'none' || v === 0 ? null : v));
// "alice=/srv/alice,bob=/srv/bob" or (config file) { "alice": "/srv/alice" }.
const partyMap = z
  .union([z.record(z.string(), z.string().min(1)), z.string()])
  .transform((v, ctx) => {
    if (typeof v !== 'string') return v;
    const out: Record<string, string> = {};
    for (const item of v.split(',').map((x) => x.trim()).filter((x) => x !== '')) {
      const eq = item.indexOf('=');
      if (eq <= 0 || eq === item.length - 1) ctx.addIssue({ code: 'custom', message: `"${item}": expected party=path` });
      else out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
    }
    return out;
  })
  .pipe(z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'party names: a letter then letters, digits, _ or -'), z.string().min(1)));
const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const SETTINGS = {
  redisUrl: { env: 'REDIS_URL', schema: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'), default: 'redis://127.0.0.1:6379/0', doc: 'Broker, result backend and status events' },
  parties: { env: 'SECRETFLOW_PARTIES', schema: list.pipe(z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'party names: a letter then letters, digits, _ or -')).min(1)), default: 'alice,bob', doc: 'Default parties when a task has no sf_init_config.parties' },
  address: { env: 'SECRETFLOW_ADDRESS', schema: z.string().min(1), default: 'local', doc: 'Default sf_init_config.address; only "local" (threads in this process) is implemented' },
  logLevel: { env: 'LOG_LEVEL', schema: z.string().toLowerCase().pipe(z.enum(levels)), default: 'info', doc: 'fatal | error | warn | info | debug | trace | silent' },
  logFile: { env: 'LOG_FILE', schema: z.string(), default: '', doc: 'Also append JSON log lines to this file' },
  queues: { env: 'CELERY_QUEUE', schema: list.pipe(z.array(z.string().min(1)).min(1)), default: 'secretflow_queue', doc: 'Queue(s) to consume, comma-separated' },
  hostname: { env: 'WORKER_HOSTNAME', schema: z.string().min(1), default: `sfw@${hostname()}`, doc: 'Worker name in results, events and control replies' },
  concurrency: { env: 'CELERY_CONCURRENCY', schema: int(1).max(64), default: 1, doc: 'Tasks run at once (cluster tasks take turns on the one cluster; a revoke or time limit ends only its own task)' },
  prefetchMultiplier: { env: 'CELERY_PREFETCH_MULTIPLIER', schema: int(1).max(100), default: 1, doc: 'Messages reserved per slot (1 suits long tasks)' },
  hardTimeLimitSec: { env: 'CELERY_TASK_TIME_LIMIT', schema: limit, default: 3600, doc: 'Hard limit (s): the task is killed, its cluster destroyed; 0 = none. A message time_limit may lower it, never raise it' },
  softTimeLimitSec: { env: 'CELERY_TASK_SOFT_TIME_LIMIT', schema: limit, default: 3000, doc: 'Soft limit (s): the task signal aborts; 0 = none. A message soft_time_limit may lower it, never raise it' },
  maxRetries: { env: 'CELERY_MAX_RETRIES', schema: int(0).max(100), default: 3, doc: 'Retries of a retryable failure' },
  defaultRetryDelaySec: { env: 'CELERY_DEFAULT_RETRY_DELAY', schema: z.coerce.number().min(0), default: 60, doc: 'Seconds before a retry' },
  resultExpiresSec: { env: 'CELERY_RESULT_EXPIRES', schema: int(0), default: 86_400, doc: 'Result TTL (s); 0 = keep' },
  visibilityTimeoutSec: { env: 'CELERY_VISIBILITY_TIMEOUT', schema: z.coerce.number().positive(), default: 7200, doc: 'Unacked messages are redelivered after this (keep above the hard limit)' },
  restoreIntervalSec: { env: 'CELERY_RESTORE_INTERVAL', schema: z.coerce.number().positive().max(3600), default: 5, doc: 'Seconds between restore rounds: a message left unacked by a dead worker is redelivered within the visibility timeout plus this' },
  maxMessageBytes: { env: 'CELERY_MAX_MESSAGE_BYTES', schema: int(1024), default: 16 * 1024 * 1024, doc: 'Largest accepted task message (bytes); larger ones end FAILURE without being decoded' },
  deadLetterMax: { env: 'CELERY_DEAD_LETTER_MAX', schema: int(1), default: 10_000, doc: 'Entries kept on each <queue>.dead list (messages that are not tasks, kept byte for byte)' },
  stuckGraceSec: { env: 'WORKER_STUCK_GRACE', schema: z.coerce.number().min(0), default: 60, doc: 'health_check reports a slot stuck (worker unhealthy) when its task runs this long past its hard time limit' },
  sendTaskEvents: { env: 'CELERY_SEND_EVENTS', schema: bool, default: false, doc: 'Celery task events for Flower (-E)' },
  keyPrefix: { env: 'CELERY_KEY_PREFIX', schema: z.string(), default: '', doc: "kombu global_keyprefix (tests use a unique one)" },
  shutdownGraceSec: { env: 'WORKER_SHUTDOWN_GRACE', schema: z.coerce.number().min(0), default: 30, doc: 'Warm shutdown: seconds to let running tasks finish' },
  statusChannel: { env: 'STATUS_CHANNEL', schema: z.string().min(1), default: 'secretflow:task_status', doc: 'Pub/sub channel of status events' },
  statusList: { env: 'STATUS_LIST', schema: z.string().min(1), default: 'secretflow:task_status_log', doc: 'Durable list of status events (LPUSH, newest first)' },
  statusListMax: { env: 'STATUS_LIST_MAX', schema: int(1), default: 10_000, doc: 'Cap of the durable list (LTRIM)' },
  progressIntervalMs: { env: 'STATUS_PROGRESS_INTERVAL_MS', schema: int(0), default: 1000, doc: 'Minimum interval between PROGRESS events of one task' },
  clusterStartTimeoutSec: { env: 'SFW_CLUSTER_START_TIMEOUT', schema: z.coerce.number().positive(), default: 60, doc: 'Upper bound for starting the cluster threads (module loading included)' },
  workDir: { env: 'SFW_WORK_DIR', schema: z.string().min(1), default: join(tmpdir(), 'sfw-tasks'), doc: 'Root of per-task scratch directories' },
  // Party mode (docs/deployment.md): this worker is one party of a cross-silo cluster. Its identity
  // comes only from here, never from a task message.
  party: { env: 'SECRETFLOW_PARTY', schema: z.union([z.literal(''), z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'a party name: a letter then letters, digits, _ or -')]), default: '', doc: 'Party mode: this worker\'s party (empty = local mode, every party a thread here)' },
  tlsCert: { env: 'SECRETFLOW_TLS_CERT', schema: z.string(), default: '', doc: 'Party mode: PEM certificate naming this party (CN or DNS SAN)' },
  tlsKey: { env: 'SECRETFLOW_TLS_KEY', schema: z.string(), default: '', doc: 'Party mode: PEM private key of that certificate' },
  tlsCa: { env: 'SECRETFLOW_TLS_CA', schema: z.string(), default: '', doc: 'Party mode: PEM CA that peers\' certificates must chain to (the only trust anchor)' },
  listen: { env: 'SECRETFLOW_LISTEN', schema: z.union([z.literal(''), z.string().regex(/^[^\s]+:\d{1,5}$/, 'host:port')]), default: '', doc: 'Party mode / dealer: TLS link listen address, host:port' },
  peers: { env: 'SECRETFLOW_PEERS', schema: list.pipe(z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}=[^\s=]+:\d{1,5}$/, 'name=host:port'))), default: '', doc: 'Party mode / dealer: peers\' link addresses, name=host:port, comma-separated (the dealer under its name)' },
  dealerName: { env: 'SECRETFLOW_DEALER', schema: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/), default: 'dealer', doc: 'Party mode: the TTP dealer service\'s name (its certificate\'s name, a key of SECRETFLOW_PEERS)' },
  linkTimeoutSec: { env: 'SECRETFLOW_LINK_TIMEOUT', schema: z.coerce.number().positive(), default: 30, doc: 'Party mode: a link silent this long (heartbeats included) is lost; the task fails naming the peer' },
  rendezvousTimeoutSec: { env: 'SECRETFLOW_RENDEZVOUS_TIMEOUT', schema: z.coerce.number().positive(), default: 120, doc: 'Party mode: how long a task waits for the other parties\' workers to start it' },
  // Files and bounds (docs/security.md): where each party's paths resolve, what one task may take.
  dataRoot: { env: 'SECRETFLOW_DATA_ROOT', schema: z.string().min(1), default: '.', doc: "Data root of every party without its own: task paths resolve inside it (default: the working directory)" },
  dataRoots: { env: 'SECRETFLOW_DATA_ROOTS', schema: partyMap, default: '', doc: 'Per-party data roots, "alice=/srv/alice,bob=/srv/bob" (or a JSON object in the config file)' },
  refuseHardLinkedInputs: { env: 'SFW_REFUSE_HARDLINKED_INPUTS', schema: bool, default: true, doc: 'Party and SPU threads refuse to read a task file that has more than one hard link (a link in the root to a file outside it); off for data kept in hard-link snapshots' },
  maxEpochs: { env: 'SFW_MAX_EPOCHS', schema: int(1), default: 1000, doc: 'Largest `epochs` a task may ask for' },
  maxBoostRounds: { env: 'SFW_MAX_BOOST_ROUNDS', schema: int(1), default: 1000, doc: 'Largest `num_boost_round`' },
  maxTreeDepth: { env: 'SFW_MAX_TREE_DEPTH', schema: int(1).max(64), default: 16, doc: 'Largest `max_depth`' },
  maxBucketSize: { env: 'SFW_MAX_BUCKET_SIZE', schema: int(1), default: 1 << 22, doc: 'Largest `bucket_size` (PSI rows per bucket, evaluation bins)' },
  maxBatchSize: { env: 'SFW_MAX_BATCH_SIZE', schema: int(1), default: 1 << 20, doc: 'Largest `batch_size`' },
  maxCurveThreads: { env: 'SFW_MAX_CURVE_THREADS', schema: int(0), default: availableParallelism(), doc: 'Largest PSI `curve_threads` (never above the cores of this machine)' },
  maxRows: { env: 'SFW_MAX_ROWS', schema: int(1), default: 10_000_000, doc: 'Rows one party table may have' },
  maxColumns: { env: 'SFW_MAX_COLUMNS', schema: int(1), default: 10_000, doc: 'Columns one party table may have' },
  threadMaxOldGenMb: { env: 'SFW_THREAD_MAX_OLD_GEN_MB', schema: int(16), default: 4096, doc: 'Heap (old generation) of each party / SPU thread, MB: an overrun fails the task, not the worker' },
  spuKernelThreads: { env: 'SFW_SPU_KERNEL_THREADS', schema: int(0).max(64), default: 0, doc: 'Threads each SPU rank and the dealer run their large kernels on (0: the cores divided among the SPU threads of this process)' },
  threadMaxYoungGenMb: { env: 'SFW_THREAD_MAX_YOUNG_GEN_MB', schema: int(0), default: 0, doc: "Young generation of each thread, MB (0: Node's default)" },
  debug: { env: 'SFW_DEBUG', schema: bool, default: false, doc: 'Stacks in stored tracebacks, results and logs' },
  diagnosticTasks: { env: 'SFW_DIAGNOSTIC_TASKS', schema: bool, default: false, doc: 'Register the `diagnostic` task type (integration tests)' },
} as const;

type Settings = typeof SETTINGS;
export type SettingName = keyof Settings;
export type WorkerConfig = { [K in SettingName]: z.output<Settings[K]['schema']> };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid worker configuration:\n  ${problems.join('\n  ')}`);
  }
}

export interface LoadConfigOptions {
  env?: Record<string, string | undefined>;
  /** A JSON file whose keys are setting names (camelCase, as in SETTINGS) or their env var names. */
  file?: string | undefined;
  overrides?: Partial<Record<SettingName, unknown>>;
}

const byEnv = new Map<string, SettingName>(Object.entries(SETTINGS).map(([k, s]) => [s.env, k as SettingName]));

function readFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`config file ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ConfigError([`config file ${file}: not valid JSON`]);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new ConfigError([`config file ${file}: must hold a JSON object`]);
  return data as Record<string, unknown>;
}

export function loadConfig(opts: LoadConfigOptions = {}): WorkerConfig {
  const raw = new Map<SettingName, { value: unknown; source: string }>();
  const problems: string[] = [];
  if (opts.file !== undefined && opts.file !== '') {
    for (const [key, value] of Object.entries(readFile(opts.file))) {
      const name = key in SETTINGS ? (key as SettingName) : byEnv.get(key);
      if (name === undefined) problems.push(`${key} (config file ${opts.file}): unknown setting`);
      else raw.set(name, { value, source: `${key} (config file ${opts.file})` });
    }
  }
  const env = opts.env ?? {};
  for (const [name, s] of Object.entries(SETTINGS) as [SettingName, Settings[SettingName]][]) {
    const v = env[s.env];
    if (v !== undefined) raw.set(name, { value: v, source: `${s.env} (from environment)` });
  }
  for (const [name, value] of Object.entries(opts.overrides ?? {}) as [SettingName, unknown][]) {
    if (value !== undefined) raw.set(name, { value, source: `${name} (command line)` });
  }
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(SETTINGS) as [SettingName, Settings[SettingName]][]) {
    const given = raw.get(name);
    const r = (s.schema as z.ZodType).safeParse(given?.value ?? s.default);
    if (r.success) out[name] = r.data;
    else problems.push(`${given?.source ?? `${s.env} (default)`}: ${r.error.issues.map((i) => i.message).join('; ')}`);
  }
  if (problems.length === 0) {
    const c = out as WorkerConfig;
    if (c.softTimeLimitSec !== null && c.hardTimeLimitSec !== null && c.softTimeLimitSec >= c.hardTimeLimitSec) {
      problems.push(`${raw.get('softTimeLimitSec')?.source ?? 'CELERY_TASK_SOFT_TIME_LIMIT'}: the soft limit must be below the hard limit (CELERY_TASK_TIME_LIMIT)`);
    }
    if (c.party !== '') {
      for (const k of ['tlsCert', 'tlsKey', 'tlsCa', 'listen'] as const) {
        if (c[k] === '') problems.push(`${SETTINGS[k].env}: required in party mode (SECRETFLOW_PARTY is set)`);
      }
    }
    if (c.hardTimeLimitSec !== null && c.visibilityTimeoutSec <= c.hardTimeLimitSec) {
      problems.push(`${raw.get('visibilityTimeoutSec')?.source ?? 'CELERY_VISIBILITY_TIMEOUT'}: must exceed the hard time limit, or a running task is redelivered and runs twice`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as WorkerConfig;
}

/** The configuration as it may be logged (the password in REDIS_URL hidden). */
export function describeConfig(c: WorkerConfig): Record<string, unknown> {
  // Under another key than redisUrl: the logger censors any `redisUrl` field entirely.
  const { redisUrl, ...rest } = c;
  return { redis: redactUrl(redisUrl), ...rest };
}
