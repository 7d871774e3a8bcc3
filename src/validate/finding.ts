/**
 * What every check over manifests reports: a problem (core/problem.ts, the shape construct
 * problems share) with one field of one resource, under a stable code.
 */
import { isError as isErrorProblem, Problem, problemText, Severity } from '../core/problem';

export type { Severity } from '../core/problem';

/** A Kubernetes object as read from YAML or rendered by cdk8s. */
export type Manifest = Record<string, any>;

/** The identity of a resource, as the findings name it. */
export interface ResourceRef {
  /** `networking.istio.io/v1` */
  readonly apiVersion: string;
  /** `VirtualService` */
  readonly kind: string;
  /** `order-service` */
  readonly name: string;
  /** The namespace, if the resource has one. */
  readonly namespace?: string;
}

/** One problem found by a schema, CEL or analysis check: a {@link Problem} of one resource. */
export interface Finding extends Problem {
  /** The resource the problem is in. */
  readonly resource: ResourceRef;
  /** The file the resource came from, when it was read from one. */
  readonly file?: string;
  /**
   * Another resource the problem involves (the inner route of a retry chain, say).
   * @default - none
   */
  readonly related?: ResourceRef;
}

/** True if `f` is an error (the default severity). */
export function isError(f: Finding): boolean {
  return isErrorProblem(f);
}

/** The identity of `m`, with placeholders for what is missing. */
export function refOf(m: Manifest): ResourceRef {
  return {
    apiVersion: String(m?.apiVersion ?? ''),
    kind: String(m?.kind ?? ''),
    name: String(m?.metadata?.name ?? ''),
    namespace: m?.metadata?.namespace === undefined ? undefined : String(m.metadata.namespace),
  };
}

/** A finding about `m`. */
export function finding(code: string, m: Manifest, field: string, message: string, severity?: Severity): Finding {
  return { code, resource: refOf(m), field, message, ...(severity ? { severity } : {}) };
}

/** `<kind>/<name>: <field>: <message> [CODE]`, prefixed by `prefix` when given. */
export function formatFinding(f: Finding, prefix?: string): string {
  const where = f.resource.kind ? `${f.resource.kind}/${f.resource.name}` : '';
  const head = [prefix, where].filter((x) => !!x).join('/');
  return `${head ? `${head}: ` : ''}${problemText(f)}`;
}

/** Findings in a stable order: by resource, field, code and message. */
export function sortFindings(findings: Finding[]): Finding[] {
  // Each finding's key once, not twice per comparison.
  const keyOf = (f: Finding) => [f.file ?? '', f.resource.kind, f.resource.namespace ?? '', f.resource.name, f.field, f.code, f.message]
    .join('\u0000');
  const keyed = findings.map((f) => ({ f, key: keyOf(f) }));
  return keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((k) => k.f);
}

/** `a.b[0].c` from a JSON pointer `/a/b/0/c`. */
export function fieldOfPointer(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out;
}

/** Where each workload kind holds its pod template (https://kubernetes.io/docs/concepts/workloads/). */
const POD_TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/** The field path of a workload manifest's pod template (`spec.template`; '' for a Pod), if it has one. */
export function podTemplateField(m: Manifest): string | undefined {
  if (!m || typeof m !== 'object') return undefined;
  if (m.kind === 'Pod' && m.apiVersion === 'v1') return '';
  return POD_TEMPLATE_PATHS[String(m.kind)]?.join('.');
}

/** The pod template of a workload manifest (a Pod is its own), if it has one. */
export function podTemplate(m: Manifest): Manifest | undefined {
  if (!m || typeof m !== 'object') return undefined;
  if (m.kind === 'Pod' && m.apiVersion === 'v1') return m;
  const path = POD_TEMPLATE_PATHS[String(m.kind)];
  if (!path) return undefined;
  let t: any = m;
  for (const p of path) t = t?.[p];
  return t && typeof t === 'object' ? t : undefined;
}
