// Compile-time only: the public types of every embeddable package resolve from the installed
// tarballs (dist/*.d.ts through the "types" export condition).
import type { Cluster, ClusterOptions, SpuContext, SecretTensor } from '@sfw/runtime';
import { defineDeviceModule } from '@sfw/runtime/device';
import type { FieldType } from '@sfw/ring';
import { runLocal } from '@sfw/spu/simulation';
import { TaskRegistry, type TaskDefinition, ParameterValidationError } from '@sfw/executor';
import { register as registerPsi, type PsiConfig } from '@sfw/jobs-psi';
import { register as registerLinear } from '@sfw/jobs-linear';
import { register as registerEval } from '@sfw/jobs-eval';
import { register as registerBoost } from '@sfw/jobs-boost';
import { register as registerPrep } from '@sfw/jobs-preprocessing';
import { register as registerStats } from '@sfw/jobs-stats';
import type { AsyncResult } from '@sfw/celery';

export type Checked = [Cluster, ClusterOptions, SpuContext, SecretTensor, FieldType, TaskDefinition, PsiConfig, AsyncResult];
export const registry = new TaskRegistry();
for (const r of [registerPsi, registerLinear, registerEval, registerBoost, registerPrep, registerStats]) r(registry);
export const isParamError = (e: unknown): boolean => e instanceof ParameterValidationError;
export const simulate = runLocal;
export const mod = defineDeviceModule('embed', { pyu: { one: () => 1 } });

// The job packages' README example: an executor that starts runtime clusters on demand.
import { Cluster as RuntimeCluster } from '@sfw/runtime';
import { PooledClusterProvider, TaskExecutor, type TaskResult } from '@sfw/executor';

export function embeddedExecutor(): TaskExecutor {
  const provider = new PooledClusterProvider((spec) => RuntimeCluster.start({ parties: spec.parties, spu: spec.spu, modules: spec.modules }));
  return new TaskExecutor({ registry, provider });
}
export const runPsi = (executor: TaskExecutor, taskConfig: PsiConfig): Promise<TaskResult> =>
  executor.execute('psi-1', { task_type: 'psi', sf_init_config: { parties: ['alice', 'bob'], address: 'local' }, task_config: taskConfig });
