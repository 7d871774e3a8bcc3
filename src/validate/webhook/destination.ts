/**
 * A route's destinations as istiod's webhook checks them: ports of istio/istio
 * pkg/config/validation/validation.go (validateDestination, validatePortSelector,
 * validateWeight, validateHTTPRouteDestinations, validateRouteDestinations), the same in Istio
 * 1.24 and 1.30. A destination's header operations are checked with the route's (http-route.ts).
 */
import { Codes } from '../../core/codes';
import { wildcardDomainProblem } from './hosts';
import { subsetNameProblem } from './names';
import { portProblem } from './net';
import type { Report } from './report';
import { isSet, list, num, obj, str } from '../values';

/** validateDestination: a host other than `*` that is a wildcard domain, a DNS-1123 subset name, a port in 1-65535. */
export function destination(d: unknown, field: string, report: Report): void {
  const dest = obj(d);
  if (!dest) return;
  const host = str(dest.host);
  if (host === '*') report(Codes.INVALID_HOST, `${field}.host`, `invalid destination host ${host}`);
  else {
    const p = wildcardDomainProblem(host);
    if (p) report(Codes.INVALID_HOST, `${field}.host`, p);
  }
  if (str(dest.subset) !== '') {
    const p = subsetNameProblem(str(dest.subset));
    if (p) report(Codes.INVALID_REFERENCE_NAME, `${field}.subset`, p);
  }
  const port = obj(dest.port);
  if (port) {
    const p = portProblem(num(port.number));
    if (p) report(Codes.INVALID_PORT, `${field}.port.number`, p);
  }
}

/**
 * validateHTTPRouteDestinations and validateRouteDestinations: each destination set (unless the
 * route has Gateway API semantics, where it is not checked), no negative weight, and weights that
 * are not all 0 when there are several (a split of 0 sends nothing anywhere).
 */
export function routeDestinations(weights: unknown, field: string, report: Report, gatewaySemantics = false): void {
  const all = list(weights);
  let total = 0;
  all.forEach((w, i) => {
    const at = `${field}[${i}]`;
    const d = obj(w);
    if (!d) { report(Codes.VIRTUAL_SERVICE_REJECTED, at, 'weight may not be nil'); return; }
    if (!isSet(d.destination)) report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.destination`, 'destination is required');
    if (!gatewaySemantics) destination(d.destination, `${at}.destination`, report);
    const weight = num(d.weight);
    if (weight < 0) report(Codes.INVALID_WEIGHT, `${at}.weight`, `weight ${weight} < 0`);
    total += weight;
  });
  if (all.length > 1 && total === 0) report(Codes.INVALID_WEIGHT, field, 'total destination weight = 0');
}
