/**
 * `cdk8s-mesh/review`: the review tools' public API: semantic and connectivity diffs of two
 * manifest trees, and topology pictures. Every name listed (docs/ARCHITECTURE.md, Entry points);
 * the report of this surface is api/cdk8s-mesh-review.api.md.
 *
 * @packageDocumentation
 */

// The vocabulary the reviews speak (src/core, src/validate)
export { Codes } from '../core/codes';
export type { Code } from '../core/codes';
export type { IstioVersion } from '../core/istio-version';
export type { Flow, FlowClientCertificate, FlowSource, FlowWorkload } from '../core/flow';
export type { HttpMethod } from '../core/http';
export type { Finding, Manifest, ResourceRef, Severity } from '../validate/finding';
export type { Problem } from '../core/problem';

// Semantic and connectivity diffs
export type { ChangeNote } from './change-note';
export { connectivityDiff } from './connectivity';
export type {
  ConnectivityChange, ConnectivityDiff, ConnectivityOptions, ConnectivityProbe, ConnectivityVerdict, ProbeKind,
} from './connectivity';
export { renderConnectivity } from './connectivity-markdown';
export { readTreeFromDir, readTreeFromGit } from './manifest-tree';
export type { ManifestTree } from './manifest-tree';
export type { YamlReadOptions } from '../private/yaml-reader';
export { renderJson, renderMarkdown } from './markdown';
export type { MarkdownOptions } from './markdown';
export { semanticDiff } from './semantic-diff';
export type { AcknowledgementChange, ChangeStatus, FileChange, ResourceChange, SemanticDiff } from './semantic-diff';

// Topology pictures
export { renderMermaid, renderTopology, topologyModel } from './topology';
export type {
  TopologyCall, TopologyEdge, TopologyEdgeKind, TopologyModel, TopologyNode, TopologyNodeKind, TopologyOptions,
} from './topology';

// The command line's programmatic entry (bin: cdk8s-mesh-diff)
export { ExitCodes as DiffExitCodes, main as diffMain } from './cli';
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
