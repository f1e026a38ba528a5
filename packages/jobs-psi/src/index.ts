// @sfw/jobs-psi: ECDH-PSI over X25519 with SecretFlow's data_prep/psi semantics (docs/psi.md).
export { register, psiTask, psiExample, PSI_DEVICE_MODULE, collect } from './task.ts';
export type { PsiTaskResult } from './task.ts';
export { psiConfigSchema, planParties, DEFAULT_BUCKET_SIZE } from './config.ts';
export type { PsiConfig } from './config.ts';
export type { PartyPlan, PsiPartyReport, JoinType } from './plan.ts';
export { runPsiParty } from './party.ts';
export type { PsiPartyContext } from './party.ts';
export { ecdhPsiBucket, COMPARE_BYTES } from './protocol.ts';
export { memoryLinkPair } from './link.ts';
export type { PsiLink } from './link.ts';
export { createCurveEngine } from './engine.ts';
export type { CurveEngine, CurveEngineOptions } from './engine.ts';
export { X25519Scalar, defaultX25519Backend, hashToPoint, newSecretScalar, POINT_BYTES } from './curve.ts';
export { PsiParameterError, PsiExecutionError } from './errors.ts';
