/**
 * `cdk8s-mesh/validate`: the validator's public API, for a program that checks manifests it did
 * not synthesize (a pipeline, a hand-written overlay, another team's YAML). Every name listed
 * (docs/ARCHITECTURE.md, Entry points); the report of this surface is api/cdk8s-mesh-validate.api.md.
 * A chart author needs none of it: synth runs the same checks (the package entry, `cdk8s-mesh`).
 *
 * @packageDocumentation
 */

// The vocabulary the findings and flows speak (src/core)
export { Codes } from '../core/codes';
export type { Code } from '../core/codes';
export { MeshError } from '../core/errors';
export type { IstioVersion } from '../core/istio-version';
export type { HttpMethod } from '../core/http';
export type {
  Flow, FlowAnswer, FlowClientCertificate, FlowDecider, FlowLayer, FlowSource, FlowVerdict, FlowWorkload, FlowWorkloadRef, IntendedFlow,
} from '../core/flow';
export type { RemoteCallEntry } from '../core/remote-calls';

// Validation of manifests: findings and the options of a run
export { formatFinding } from './finding';
export type { Finding, Manifest, ResourceRef, Severity } from './finding';
export type { Problem } from '../core/problem';
export { validateManifests } from './validate';
export type { ValidateOptions } from './validate';
export type { AssumedIngressGateway } from './analysis/assumed-gateways';
export { WARNING_CODES } from './warnings';
export type { WarningCode } from './warnings';
export { ACKNOWLEDGED_ANNOTATION_PREFIX } from './acknowledgements';
export { parseManifests } from './yaml';

// Flow verification (src/validate/flow)
export { checkIntendedFlows, undeclaredOpenPairs } from './flow/check';
export type { FlowFinding } from './flow/check';
export type { ControlPlane, FlowOptions } from './flow/cluster';
export { evaluateFlow, FlowEvaluator } from './flow/evaluate';
export { readCallRecords, recordedCallFindings } from './flow/records';
export type { RecordedCall } from './flow/records';
export { platformFlowOptions } from './flow/platform-flows';
export type { PairVerdict } from './flow/pairs';

// The command line's programmatic entry (bin: cdk8s-mesh-validate)
export { main as validateCli } from './cli';
export type { CliIo } from '../private/cli-io';

// The platform the checks run against, as the package entry (`cdk8s-mesh`) builds it: the same types, named here so
// that this entry's signatures are whole (MeshPlatform.default() or `new MeshPlatform(...)` come from `cdk8s-mesh`)
export type { Cidr } from '../core/cidr';
export type { Principal } from '../core/principal';
export type { MeshPlatform } from '../platform/platform';
export type {
  ApiServerPlatformProps, EgressGatewayPlatformProps, FlaggerPlatformProps, IngressGatewayPlatformProps, IstioPlatformProps,
  MeshPlatformProps, PlatformApiServer, PlatformComponent, PlatformEgressGateway, PlatformFlagger, PlatformIngressGateway, PlatformIstio,
  PlatformLabels, PlatformPrometheus,
  PlatformGateway, PlatformGatewayProps, PlatformGatewayServer, PlatformRateLimit, PlatformTracing, PrometheusPlatformProps,
  RateLimitServiceProps, TracingCollectorProps,
} from '../platform/platform-props';
export type { PlatformSnapshotOptions } from '../platform/snapshot';
export type { DnsPlatformProps, EdgeProxyPlatformProps, EdgeProxyUpstream, PlatformDns, PlatformEdgeProxy } from '../platform/network-props';
export type { LoadTesterPlatformProps, PlatformLoadTester } from '../platform/load-tester';
