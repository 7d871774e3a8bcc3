/**
 * Collisions between the parts of one cluster that no single object shows: the same object
 * written twice, and environments assuming different identities for the one mesh. The
 * gateway collisions (hosts and ports, certificates) are the analysis's own
 * (analysis/gateway-conflicts.ts), since the objects show them.
 */
import { Codes } from '../core/codes';
import { Finding, finding, Manifest, refOf } from './finding';

/** A manifest and where it comes from: the construct or chart that wrote it, or the file it was read from. */
export interface SourcedManifest {
  /** The object. */
  readonly manifest: Manifest;
  /** Who wrote it (a chart's construct path) or where it was read (a file). */
  readonly source: string;
}

/** One object written from two sources: the finding, on the later copy, and both copies. */
export interface ObjectCollision {
  /** MESH018, on the later copy, with the first as related resource. */
  readonly finding: Finding;
  /** The copy reported. */
  readonly later: SourcedManifest;
  /** The copy it collides with. */
  readonly first: SourcedManifest;
}

/**
 * The identity of an object to the API server: its API group (not its version: `v1` and
 * `v1beta1` of one kind are one object), kind, namespace and name. Cluster-scoped kinds
 * have no namespace; their objects' namespaces must already be dropped.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
 */
export function objectIdentity(m: Manifest): string {
  const apiVersion = String(m?.apiVersion ?? '');
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return [group, String(m?.kind ?? ''), String(m?.metadata?.namespace ?? ''), String(m?.metadata?.name ?? '')].join('\u0000');
}

/** `Kind namespace/name`, or `Kind name` for a cluster-scoped object. */
function describe(m: Manifest): string {
  const ns = m.metadata?.namespace;
  return `${m.kind} ${ns ? `${ns}/` : ''}${m.metadata?.name}`;
}

/**
 * MESH018: one object (API group, kind, namespace, name) written from two sources. The API
 * server keeps one object: applied one after the other, the later source's version replaces
 * the earlier's, and deleting either source's output deletes it for both. Each collision is
 * reported once, on the later source's copy, naming the first source, with the first copy
 * as the related resource. `sameContentCollides` decides whether identical copies collide
 * too: two charts that both write an object share it (synth), while one file read twice, or
 * copied, is the same object (the command line).
 */
export function sameObjectCollisions(list: readonly SourcedManifest[], sameContentCollides: boolean): ObjectCollision[] {
  const first = new Map<string, { entry: SourcedManifest; json?: string }>();
  const out: ObjectCollision[] = [];
  for (const entry of list) {
    const m = entry.manifest;
    if (!m || typeof m !== 'object' || typeof m.kind !== 'string' || !m.metadata?.name) continue;
    const key = objectIdentity(m);
    const seen = first.get(key);
    if (!seen) {
      first.set(key, { entry });
      continue;
    }
    const differs = (seen.json ??= JSON.stringify(seen.entry.manifest)) !== JSON.stringify(m);
    // Two objects of one name in one folder are one file: the later would replace the other unseen.
    if (seen.entry.source === entry.source ? !differs : !differs && !sameContentCollides) continue;
    const message = seen.entry.source === entry.source
      ? `${describe(m)} is written twice in ${entry.source}, with other content: one file holds one object, so one version would `
        + 'replace the other unseen; give one of them another name'
      : `${describe(m)} is also written by ${seen.entry.source}${differs ? ', with other content' : ''}: the cluster holds one object, `
        + 'so the later apply replaces the other\'s version and deleting either one deletes it for both; write it in one place '
        + '(a cluster-wide object once, to the cluster folder)';
    out.push({
      finding: {
        ...finding(Codes.DUPLICATE_RESOURCE, m, 'metadata.name', message),
        related: refOf(seen.entry.manifest),
      },
      later: entry,
      first: seen.entry,
    });
  }
  return out;
}

/** What one part of the cluster assumes about the mesh's identity. */
export interface MeshIdentityClaim {
  /** The object the claim is reported on (the environment's Namespace, or its first object). */
  readonly manifest: Manifest;
  /** Who claims it (a chart's path, or a file). */
  readonly source: string;
  /** The mesh's trust domain. */
  readonly trustDomain: string;
  /** Istio's root namespace. */
  readonly rootNamespace: string;
  /** The Istio release the cluster runs, where the claim says. */
  readonly istioVersion?: string;
}

/**
 * MESH632: parts of one cluster that assume different trust domains or Istio root
 * namespaces. A cluster runs one mesh: istiod signs every workload certificate for one
 * trust domain (principals are `<trust domain>/ns/<namespace>/sa/<account>`), and policies
 * in one root namespace apply mesh-wide; a principal or mesh-wide policy written for the
 * other value never matches. Reported once per disagreeing part, naming the first.
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig (trustDomain, rootNamespace)
 */
export function meshIdentityConflicts(claims: readonly MeshIdentityClaim[]): Finding[] {
  const [first, ...rest] = claims;
  const out: Finding[] = [];
  for (const c of rest) {
    const differ: string[] = [];
    if (c.trustDomain !== first.trustDomain) differ.push(`trust domain ${c.trustDomain} (${first.source}: ${first.trustDomain})`);
    if (c.rootNamespace !== first.rootNamespace) differ.push(`Istio root namespace ${c.rootNamespace} (${first.source}: ${first.rootNamespace})`);
    if (c.istioVersion !== undefined && first.istioVersion !== undefined && c.istioVersion !== first.istioVersion) {
      differ.push(`Istio ${c.istioVersion} (${first.source}: Istio ${first.istioVersion})`);
    }
    if (differ.length === 0) continue;
    out.push({
      ...finding(Codes.MESH_IDENTITY_CONFLICT, c.manifest, '',
        `${c.source} assumes ${differ.join(' and ')}: one cluster runs one mesh, with one trust domain, one root namespace and one Istio release; `
        + 'give every environment the same platform values'),
      related: refOf(first.manifest),
    });
  }
  return out;
}
