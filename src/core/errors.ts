/**
 * Errors and validation messages that carry a stable code.
 *
 * Validators return plain messages (`cdk8s` prefixes the construct path); value
 * factories throw a {@link MeshError} at once.
 */

/** An error raised by cdk8s-mesh, with a stable code such as `MESH012`. */
export class MeshError extends Error {
  /** The stable code of the check that failed. */
  public readonly code: string;
  /** The message without its code, for callers that report the code apart. */
  public readonly detail: string;

  public constructor(code: string, message: string) {
    super(formatProblem(code, message));
    this.name = 'MeshError';
    this.code = code;
    this.detail = message;
  }
}

/**
 * Formats a validation message: the message, then its code in brackets.
 * @internal
 */
export function formatProblem(code: string, message: string): string {
  return `${message} [${code}]`;
}
