/**
 * The one shape of a problem, whoever finds it: a construct's check before anything is rendered,
 * or a check over the rendered manifests (a `Finding`, which adds the resource). A problem has a
 * stable code, the field it is about, what is wrong, and a severity; its text is formatted here,
 * once, as `<field>: <message> [<code>]`, so the synth report, `node.addValidation` messages and
 * `cdk8s-mesh-validate` name the field and the code alike, and a warning of either kind can be
 * acknowledged by its code (`Warnings.of(construct).acknowledge(code, reason)`).
 */

/** An error fails synth and the command line; a warning is reported only, and can be acknowledged. */
export type Severity = 'error' | 'warning';

/** A problem with one field, under a stable code. */
export interface Problem {
  /** The stable code, `MESH012`. */
  readonly code: string;
  /** The field, as a path: `spec.http[0].route[1].destination.subset`, or a prop: `calls[0].port`; empty for the whole. */
  readonly field: string;
  /** What is wrong, and where it matters. */
  readonly message: string;
  /**
   * How bad it is: an error fails synth and the command line; a warning is reported only.
   * @default 'error'
   */
  readonly severity?: Severity;
}

/** A problem of `code` with `field`; an error unless `severity` says otherwise. */
export function problem(code: string, field: string, message: string, severity?: Severity): Problem {
  return { code, field, message, ...(severity ? { severity } : {}) };
}

/** True if `p` is an error (the default severity). */
export function isError(p: Pick<Problem, 'severity'>): boolean {
  return (p.severity ?? 'error') === 'error';
}

/** `<field>: <message> [<code>]`: how every problem reads, its field first and its code last. */
export function problemText(p: Problem): string {
  return `${p.field ? `${p.field}: ` : ''}${p.message}${p.code ? ` [${p.code}]` : ''}`;
}

/** A field path at the start of a message: a prop or manifest path (`calls[0].port`, `spec.selector.matchLabels`). */
const FIELD = /^([A-Za-z_$][\w$-]*(?:\[\d+\]|\.[A-Za-z_$][\w$/-]*)*): /;
/** The code at the end of a message, as {@link problemText} writes it. */
const CODE = / \[(MESH\d{3})\]$/;

/**
 * The problem a validation message states, read back from its text: the code it ends with and the
 * field it starts with, if any. {@link problemText} of the result is the text again, so a message
 * written as text (a `node.addValidation` of cdk8s-plus, or of a team's own construct) is reported
 * like any other problem, an error.
 */
export function problemOf(text: string): Problem {
  const code = CODE.exec(text);
  const body = code ? text.slice(0, code.index) : text;
  const field = FIELD.exec(body);
  return problem(code?.[1] ?? '', field ? field[1] : '', field ? body.slice(field[0].length) : body);
}
