// @sfw/executor: task envelope, dispatcher registry, the stage-timed executor, errors, wire schemas.
export { TaskRegistry } from './registry.ts';
export type { TaskDefinition, JobContext, RegisterTasks, NestedTask } from './registry.ts';
export { partyPaths, perPartyFiles } from './files.ts';
export type { FileDecl, FileRole, FileEnv, DataRoots } from './files.ts';
export type { JobFiles } from './staging.ts';
export { recoverCommits } from './commit-journal.ts';
export type { RecoveredCommit } from './commit-journal.ts';
export { DEFAULT_TASK_LIMITS, COUNT_FIELDS, resolveLimits, tableIssues } from './limits.ts';
export type { TaskLimits } from './limits.ts';
export { SAFE_COLUMN_NAME, columnNameSchema } from './columns.ts';
export { TaskExecutor } from './executor.ts';
export type { ExecutorOptions, ExecuteOptions } from './executor.ts';
export { PooledClusterProvider } from './cluster.ts';
export { checkClusterMode, type PartyIdentity } from './party-mode.ts';
export type { ClusterHandle, ClusterProvider, ClusterState, ClusterStatus, StartCluster } from './cluster.ts';
export {
  taskEnvelopeSchema, sfInitConfigSchema, spuConfigSchema, resolveClusterSpec, DEFAULT_FXP_BITS,
} from './envelope.ts';
export type { TaskEnvelope, ParsedEnvelope, ClusterSpec, ResolvedSpuConfig } from './envelope.ts';
export {
  ERROR_CODES, PY_EXC_MODULE, SecretFlowTaskError, ClusterInitializationError, DeviceInitializationError,
  TaskExecutionError, ParameterValidationError, ResultSaveError, sanitizeMessage, serializeError,
} from './errors.ts';
export type { ErrorCode, TaskErrorOptions, SerializedTaskError } from './errors.ts';
export { STAGES } from './metrics.ts';
export type { Stage, PerformanceMetrics } from './metrics.ts';
export { throttledProgress, scaledProgress } from './progress.ts';
export type { ProgressUpdate, ProgressSink } from './progress.ts';
export {
  taskResultSchema, performanceMetricsSchema, resultMetadataSchema, statusEventSchema, TASK_STATUSES, wireJsonSchemas,
} from './schemas.ts';
export type { TaskResult, StatusEvent, TaskStatus } from './schemas.ts';
export { healthReport } from './builtins.ts';
export type { HealthProbe, HealthReport } from './builtins.ts';
export type { PipelineStepResult } from './pipeline.ts';
export type { SfReport, SfChild, SfTable, SfDescriptionItem } from './report.ts';
export { parseOrThrow, validationError } from './validation.ts';
export type { FieldIssue } from './validation.ts';
export { taskJsonSchemas } from './json-schema.ts';
