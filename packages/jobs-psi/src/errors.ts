// Errors raised by the PSI job: the executor's classes, with the offending field recorded the way
// `validationError` does (`details.fields`), so a bad input is reported by its config path.
import { ParameterValidationError, TaskExecutionError } from '@sfw/executor';

export class PsiParameterError extends ParameterValidationError {
  /** Path of the offending config field, e.g. `input.alice.keys`. */
  readonly field: string;
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(`Invalid task parameters: ${field}: ${message}`, {
      details: { fields: [field] },
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
