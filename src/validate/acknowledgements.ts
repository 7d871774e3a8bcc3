/**
 * Acknowledged warnings in the manifests themselves: synth writes each warning a construct
 * acknowledged ({@link Warnings}) onto the object the warning is reported on, as the
 * annotation `acknowledged.mesh.cdk8s.io/<code>: <reason>`; `cdk8s-mesh-validate` honours it
 * (the warning is listed as acknowledged, with its reason, and does not count as a warning),
 * and `cdk8s-mesh-diff` lists every acknowledgement a change adds or removes. Hand-written
 * manifests may carry the annotation too. The acknowledgement stays beside what it excuses,
 * in the reviewed output, and a reader of dist/ needs nothing else.
 */
import { Codes } from '../core/codes';
import { Finding, finding, isError, Manifest } from './finding';
import { WARNING_CODES } from './warnings';

/** The prefix of an acknowledgement annotation's key; the code follows: `acknowledged.mesh.cdk8s.io/MESH661`. */
export const ACKNOWLEDGED_ANNOTATION_PREFIX = 'acknowledged.mesh.cdk8s.io/';

/** The annotation key acknowledging `code`. */
export function acknowledgementAnnotation(code: string): string {
  return `${ACKNOWLEDGED_ANNOTATION_PREFIX}${code}`;
}

/**
 * Writes the acknowledgement of `code` with `reason` onto `manifest`, keeping the keys of its
 * metadata and annotations sorted, as cdk8s renders them.
 */
export function annotateAcknowledged(manifest: Manifest, code: string, reason: string): void {
  const annotations = sortedKeys({ ...(manifest.metadata?.annotations ?? {}), [acknowledgementAnnotation(code)]: reason });
  manifest.metadata = sortedKeys({ ...(manifest.metadata ?? {}), annotations });
}

function sortedKeys<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}

/** The acknowledgements an object carries: code to reason, in annotation order. */
export function acknowledgementsOf(manifest: Manifest): Map<string, string> {
  const out = new Map<string, string>();
  const annotations = manifest?.metadata?.annotations;
  if (!annotations || typeof annotations !== 'object') return out;
  for (const [key, value] of Object.entries(annotations)) {
    if (key.startsWith(ACKNOWLEDGED_ANNOTATION_PREFIX)) out.set(key.slice(ACKNOWLEDGED_ANNOTATION_PREFIX.length), String(value ?? ''));
  }
  return out;
}

/** A warning an annotation acknowledges, with the annotation's reason. */
export interface AnnotatedAcknowledgement {
  /** The warning. */
  readonly finding: Finding;
  /** Why it is kept. */
  readonly reason: string;
}

/** The findings of a set of manifests, split by the acknowledgement annotations of their resources. */
export interface AcknowledgedFindings {
  /** The errors and the warnings no annotation acknowledges, with the annotations' own problems. */
  readonly findings: Finding[];
  /** The warnings an annotation acknowledges. */
  readonly acknowledged: AnnotatedAcknowledgement[];
}

/** `Kind/namespace/name`: how findings name a resource. */
function refKey(kind: unknown, namespace: unknown, name: unknown): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

/**
 * Splits `findings` by the acknowledgement annotations of `manifests`: a warning of code C on
 * a resource annotated `acknowledged.mesh.cdk8s.io/C` is acknowledged; errors never are. The
 * annotations' own problems are findings on their resource: one naming a code that is not a
 * warning (MESH061) or without a reason (MESH060), both errors. An annotation whose warning
 * does not occur is not reported: a partial set of files (one tier's folder) cannot tell, as
 * a retry chain's warning needs the other tier's route; synth, which sees the whole app,
 * reports an acknowledgement that covers nothing (MESH062) and writes only those that do.
 */
export function splitAcknowledged(findings: readonly Finding[], manifests: readonly Manifest[]): AcknowledgedFindings {
  const byResource = new Map<string, { manifest: Manifest; acks: Map<string, string> }>();
  for (const m of manifests) {
    const acks = acknowledgementsOf(m);
    if (acks.size > 0) byResource.set(refKey(m.kind, m.metadata?.namespace, m.metadata?.name), { manifest: m, acks });
  }
  const out: Finding[] = [];
  const acknowledged: AnnotatedAcknowledgement[] = [];
  for (const f of findings) {
    const key = refKey(f.resource.kind, f.resource.namespace, f.resource.name);
    const reason = isError(f) ? undefined : byResource.get(key)?.acks.get(f.code);
    if (reason === undefined || reason.trim() === '') {
      out.push(f);
      continue;
    }
    acknowledged.push({ finding: f, reason: reason.trim() });
  }
  const warningCodes = new Set<string>(WARNING_CODES);
  for (const { manifest, acks } of byResource.values()) {
    for (const [code, reason] of acks) {
      const field = `metadata.annotations.${acknowledgementAnnotation(code)}`;
      if (!warningCodes.has(code)) {
        out.push(finding(Codes.ACKNOWLEDGED_NOT_A_WARNING, manifest, field,
          `acknowledges ${code}, which is not a warning code (${WARNING_CODES.join(', ')}); errors cannot be acknowledged`));
      } else if (reason.trim() === '') {
        out.push(finding(Codes.ACKNOWLEDGEMENT_WITHOUT_REASON, manifest, field, `acknowledges ${code} without a reason`));
      }
    }
  }
  return { findings: out, acknowledged };
}
