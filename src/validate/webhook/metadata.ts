/**
 * The annotations istiod's webhook checks on every kind before its own rules: a port of istio/istio
 * pkg/config/validation/validation.go (validateMetadata, checkDryRunAnnotation). Istio 1.30 also
 * refuses the internal parent annotations a user could raise privileges with.
 */
import { Codes } from '../../core/codes';
import { Manifest } from '../finding';
import type { Report, WebhookScope } from './report';
import { obj, str } from '../values';

const DRY_RUN = 'istio.io/dry-run';

/** Go's strconv.ParseBool. */
const GO_BOOLS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Reports what validateMetadata refuses; false if istiod stops there (it returns the first error). */
export function metadata(m: Manifest, report: Report, scope: WebhookScope): boolean {
  const a = scope.annotations;
  const fail = (key: string, message: string) => { report(Codes.REJECTED_ANNOTATION, `metadata.annotations.${key}`, message); return false; };
  if (DRY_RUN in a) {
    if (m.kind !== 'AuthorizationPolicy') return fail(DRY_RUN, `has unsupported annotation ${DRY_RUN}, please remove the annotation`);
    const action = str(obj(m.spec)?.action) || 'ALLOW';
    if (action !== 'ALLOW' && action !== 'DENY') {
      return fail(DRY_RUN, `the annotation ${DRY_RUN} currently only supports action ALLOW/DENY, found action ${action}`);
    }
    if (!GO_BOOLS.has(a[DRY_RUN])) return fail(DRY_RUN,
      `has annotation ${DRY_RUN} with invalid value (${a[DRY_RUN]}): strconv.ParseBool: parsing ${JSON.stringify(a[DRY_RUN])}: invalid syntax`);
  }
  if ('internal.istio.io/webhook-always-reject' in a) return fail('internal.istio.io/webhook-always-reject',
    '"internal.istio.io/webhook-always-reject" annotation found, rejecting');
  if (scope.version !== '1.24') {
    for (const key of ['internal.istio.io/parent-namespace', 'internal.istio.io/parents']) {
      if (key in a) return fail(key, `${JSON.stringify(key)} annotation found, this may not be set by users`);
    }
  }
  return true;
}
