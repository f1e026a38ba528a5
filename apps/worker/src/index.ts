// @sfw/worker as a library: the same wiring the CLI uses (embedding, tests).
export { loadConfig, ConfigError, describeConfig, SETTINGS } from './config.ts';
export type { WorkerConfig, SettingName, LoadConfigOptions } from './config.ts';
export { startWorker, buildExecutor, makeLogger, TASK_NAMES } from './app.ts';
export type { RunningWorker, ExecutorSetup, ExecutorSetupOptions } from './app.ts';
export { StatusNotifier, identify, eventError } from './notifier.ts';
export type { NotifierOptions } from './notifier.ts';
export { registerJobs, JOB_PACKAGES } from './jobs.ts';
export type { JobPackage, RegisteredPackage } from './jobs.ts';
export { runtimeClusterProvider, WORKER_THREAD_BUNDLE } from './runtime-provider.ts';
