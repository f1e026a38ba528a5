// Errors raised by the PSI job: the executor's classes, with the offending field recorded the way
// `validationError` does (`details.fields`), so a bad input is reported by its path in the task
// message (`task_config.input.alice.keys`), as the executor's own checks name it.
import { ParameterValidationError, TaskExecutionError } from '@sfw/executor';

export class PsiParameterError extends ParameterValidationError {
  /** Path of the offending field inside the PSI config, e.g. `input.alice.keys`. */
  readonly field: string;
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(`Invalid task parameters: task_config.${field}: ${message}`, {
      details: { fields: [`task_config.${field}`] },
      ...(options?.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'ParameterValidationError';
    this.field = field;
  }
}

export class PsiExecutionError extends TaskExecutionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? {} : { cause: options.cause });
    this.name = 'TaskExecutionError';
  }
}
