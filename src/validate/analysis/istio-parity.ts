/**
 * Which of our checks stands for which of istioctl analyze's messages, per Istio
 * analyzer: the same check may report under one Istio code for one analyzer and
 * under another for the next (a selector that matches nothing is IST0101 for a
 * Sidecar, IST0127 for an AuthorizationPolicy).
 *
 * Analyzers: https://github.com/istio/istio/tree/master/pkg/config/analysis/analyzers
 * Messages:  https://github.com/istio/istio/blob/master/pkg/config/analysis/msg/messages.yaml
 */

/** Our code → the Istio code it reports as, for one Istio analyzer. */
export type IstioCodeMap = Readonly<Record<string, string>>;

/** Our checks of each istioctl analyze analyzer, by the analyzer's name in Istio's table tests. */
export const ISTIO_PARITY: Readonly<Record<string, IstioCodeMap>> = {
  // virtualservice/destinationhosts.go
  'virtualservice.DestinationHostAnalyzer': { MESH100: 'IST0101', MESH103: 'IST0112', MESH122: 'IST0101', MESH135: 'IST0140' },
  // virtualservice/destinationrules.go
  'virtualservice.DestinationRuleAnalyzer': { MESH013: 'IST0101' },
  // virtualservice/conflictingmeshgatewayhosts.go
  'virtualservice.ConflictingMeshGatewayHostsAnalyzer': { MESH102: 'IST0109' },
  // schema/validation.go over VirtualServices (pkg/config/validation's duplicate-match check)
  'schemaValidation.CollectionValidationAnalyzer(collections.VirtualService)': { MESH104: 'IST0130', MESH132: 'IST0131' },
  // service/portname.go
  'service.PortNameAnalyzer': { MESH105: 'IST0118', MESH136: 'IST0150' },
  // sidecar/selector.go
  'sidecar.SelectorAnalyzer': { MESH107: 'IST0101', MESH109: 'IST0110', MESH145: 'IST0111', MESH121: 'IST0167' },
  // authz/authorizationpolicies.go
  'authz.AuthorizationPoliciesAnalyzer': { MESH691: 'IST0127', MESH129: 'IST0101' },
  // deployment/services.go
  'deployment.ServiceAssociationAnalyzer': { MESH127: 'IST0116', MESH128: 'IST0137' },
  // destinationrule/subset.go
  'destinationrule.PodNotSelectedAnalyzer': { MESH110: 'IST0173', MESH100: 'IST0174' },
  // destinationrule/ca-certificates.go
  'destinationrule.CaCertificateAnalyzer': { MESH130: 'IST0128', MESH131: 'IST0129' },
  // envoyfilter/envoyfilter.go
  'envoyfilter.EnvoyPatchAnalyzer': { MESH137: 'IST0151', MESH138: 'IST0155', MESH139: 'IST0152', MESH140: 'IST0153', MESH141: 'IST0154' },
  // serviceentry/protocoladdresses.go
  'serviceentry.ProtocolAddressesAnalyzer': { MESH133: 'IST0134' },
  // serviceentry/conflictingserviceentries.go
  'serviceentry.ConflictingServiceEntryProtocolAnalyzer': { MESH142: 'IST0177' },
  // gateway/gateway.go
  'gateway.IngressGatewayPortAnalyzer': { MESH116: 'IST0101', MESH117: 'IST0162' },
  // gateway/secret.go
  'gateway.SecretAnalyzer': { MESH116: 'IST0101', MESH118: 'IST0101', MESH119: 'IST0161' },
  // gateway/conflictinggateway.go
  'gateway.ConflictingGatewayAnalyzer': { MESH116: 'IST0101', MESH120: 'IST0145' },
  // gateway/certificate.go
  'gateway.CertificateAnalyzer': { MESH134: 'IST0138' },
  // virtualservice/gateways.go
  'virtualservice.GatewayAnalyzer': { MESH123: 'IST0101', MESH124: 'IST0132', MESH126: 'IST0165' },
  // virtualservice/jwtclaimroute.go
  'virtualservice.JWTClaimRouteAnalyzer': { MESH125: 'IST0149' },
  // deprecation/deprecation.go
  'deprecation.FieldAnalyzer': { MESH115: 'IST0002' },
};

/** Every (our code, Istio code) pair of the table, once. */
export function istioCodePairs(): { code: string; istio: string; analyzers: string[] }[] {
  const out = new Map<string, { code: string; istio: string; analyzers: string[] }>();
  for (const [analyzer, map] of Object.entries(ISTIO_PARITY)) {
    for (const [code, istio] of Object.entries(map)) {
      const key = `${code} ${istio}`;
      if (!out.has(key)) out.set(key, { code, istio, analyzers: [] });
      out.get(key)!.analyzers.push(analyzer);
    }
  }
  return [...out.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : a.istio < b.istio ? -1 : 1));
}
