/**
 * The platform an environment's manifests assume, recorded on its Namespace: the annotation
 * `mesh.cdk8s.io/platform` holds the platform as JSON, in the `--platform` file format with
 * every default written out. A MeshChart writes it on the Namespace it creates; the
 * command-line tools read it back, so that `cdk8s-mesh-validate dist` (or one environment's
 * folder) assumes the ingress gateway, trust domain and platform pods synth assumed, without
 * a `--platform` file. An annotation, not a file beside the manifests: every file of dist/ stays
 * a Kubernetes object that `kubectl apply -R` and GitOps tools read, and the record travels
 * with the environment it describes.
 */
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';
import { MeshPlatform } from './platform';
import { platformFromData, platformToData } from './platform-file';

/** The annotation on an environment's Namespace that records the platform its manifests assume. */
export const PLATFORM_ANNOTATION = 'mesh.cdk8s.io/platform';

/** The annotation's value for `platform`: its resolved fields as JSON, indented (a YAML literal block in the file, one field a line). */
export function platformRecord(platform: MeshPlatform): string {
  return JSON.stringify(platformToData(platform), null, 2);
}

/** One platform recorded in a set of manifests. */
export interface RecordedPlatform {
  /** The platform. */
  readonly platform: MeshPlatform;
  /** The annotation's text, for comparing records. */
  readonly record: string;
  /** The Namespace that carries it. */
  readonly manifest: Record<string, any>;
  /** That Namespace's name: the environment's namespace. */
  readonly namespace: string;
}

/** A Namespace whose record cannot be read. */
export interface PlatformRecordProblem {
  /** The Namespace. */
  readonly manifest: Record<string, any>;
  /** MESH603, or the platform's own code for a bad name or port. */
  readonly code: string;
  /** What is wrong, naming the Namespace, the annotation and the field. */
  readonly message: string;
}

/**
 * The platforms the Namespaces among `manifests` record, in input order, and the Namespaces
 * whose record is malformed (not JSON, an unknown field, a bad value), each named with the
 * field under the platform file's codes.
 */
export function recordedPlatforms(manifests: readonly Record<string, any>[]): { recorded: RecordedPlatform[]; problems: PlatformRecordProblem[] } {
  const recorded: RecordedPlatform[] = [];
  const problems: PlatformRecordProblem[] = [];
  const parsed = new Map<string, MeshPlatform | MeshError>();
  for (const m of manifests) {
    if (m?.kind !== 'Namespace' || m.apiVersion !== 'v1') continue;
    const value = m.metadata?.annotations?.[PLATFORM_ANNOTATION];
    if (value === undefined) continue;
    const record = String(value);
    let platform = parsed.get(record);
    if (!platform) {
      platform = readRecord(record, `Namespace ${m.metadata?.name} annotation ${PLATFORM_ANNOTATION}`);
      parsed.set(record, platform);
    }
    if (platform instanceof MeshError) problems.push({ manifest: m, code: platform.code, message: platform.detail });
    else recorded.push({ platform, record, manifest: m, namespace: String(m.metadata?.name) });
  }
  return { recorded, problems };
}

function readRecord(record: string, where: string): MeshPlatform | MeshError {
  try {
    let data: unknown;
    try {
      data = JSON.parse(record);
    } catch (e) {
      throw new MeshError(Codes.INVALID_FLOW, `${where}: not JSON (${(e as Error).message})`);
    }
    return platformFromData(data, where);
  } catch (e) {
    if (e instanceof MeshError) return e;
    throw e;
  }
}
