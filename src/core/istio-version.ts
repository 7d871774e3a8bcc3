/**
 * The Istio releases whose CRD schemas and istiod webhook rules the validation knows: the
 * package carries the CRDs of Istio 1.24.6 and 1.30.3 (schemas/), and the webhook port follows
 * istio/istio pkg/config/validation at those tags. 1.24 is the seeds' and CI's release.
 */
import { Codes } from './codes';
import { MeshError } from './errors';

/**
 * An Istio release the validation targets: its CRDs (the API server's schema and CEL rules)
 * and istiod's webhook rules of that release.
 */
export type IstioVersion = '1.24' | '1.30';

/** Every {@link IstioVersion}, oldest first. */
export const ISTIO_VERSIONS: readonly IstioVersion[] = ['1.24', '1.30'];

/** The release the seeds and CI run, and the default everywhere: 1.24. */
export const DEFAULT_ISTIO_VERSION: IstioVersion = '1.24';

/** The patch release of each {@link IstioVersion} whose CRDs the package carries (schemas/). */
export const PACKAGED_ISTIO_RELEASES: Readonly<Record<IstioVersion, string>> = { '1.24': '1.24.6', '1.30': '1.30.3' };

/** True if `value` is an {@link IstioVersion}. */
export function isIstioVersion(value: unknown): value is IstioVersion {
  return (ISTIO_VERSIONS as readonly unknown[]).includes(value);
}

/** `value` as an {@link IstioVersion}; throws a MeshError [MESH189] naming `field` and the releases known. */
export function checkIstioVersion(value: unknown, field: string): IstioVersion {
  if (isIstioVersion(value)) return value;
  throw new MeshError(Codes.UNKNOWN_ISTIO_VERSION,
    `${field}: ${JSON.stringify(value)} is not an Istio release the validation knows (${ISTIO_VERSIONS.join(', ')})`);
}

/** True if `version` is `minimum` or later (`'1.30'` is at least `'1.26'`). */
export function istioAtLeast(version: IstioVersion, minimum: string): boolean {
  const [a, b] = [version, minimum].map((v) => v.split('.').map(Number));
  return a[0] !== b[0] ? a[0] > b[0] : a[1] >= b[1];
}
