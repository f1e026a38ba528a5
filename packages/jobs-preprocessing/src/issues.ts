// Parameter problems found where the data is (a column that does not exist, a string column given to
// a numeric op, too many categories). They are collected as field paths plus a message that names
// columns only, never cell values, and the driver turns them into one ParameterValidationError before
// any party writes anything.

export interface PrepIssue {
  /** Field path under task_config, e.g. `task_config.features`. */
  field: string;
  message: string;
}

/** Thrown by the pure fit/apply functions; device functions catch it and return the issues. */
export class PrepIssueError extends Error {
  constructor(readonly issues: PrepIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
    this.name = 'PrepIssueError';
  }
}

export const issue = (field: string, message: string): PrepIssueError => new PrepIssueError([{ field, message }]);

/** Runs `f`; a PrepIssueError becomes its issues, anything else propagates. */
export function collectIssues<T>(f: () => T): { value?: T; issues: PrepIssue[] } {
  try {
    return { value: f(), issues: [] };
  } catch (e) {
    if (e instanceof PrepIssueError) return { issues: e.issues };
    throw e;
  }
}
