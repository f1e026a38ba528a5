// Compile-time only: the public types of every embeddable package resolve from the installed
// tarballs (dist/*.d.ts through the "types" export condition).
import type { Cluster, ClusterOptions, SpuContext, SecretTensor } from '@sfw/runtime';
import { defineDeviceModule } from '@sfw/runtime/device';
import type { FieldType } from '@sfw/ring';
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
export const mod = defineDeviceModule('embed', { pyu: { one: () => 1 } });
