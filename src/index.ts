/**
 * The package entry, `cdk8s-mesh`: the constructs and every name a chart author may import, listed by
 * layer (docs/ARCHITECTURE.md, Entry points). The validator's API is `cdk8s-mesh/validate`
 * (src/validate/index.ts), the review tools' `cdk8s-mesh/review` (src/review/index.ts). Helpers the
 * constructs and checks share stay out of every list (src/private/ or not exported), so that they can
 * change without a breaking release. The report of this surface is api/cdk8s-mesh.api.md: `npm run api`
 * rewrites it (and the other entries' reports), and a test fails when it is stale.
 *
 * @packageDocumentation
 */

// The vocabulary: values and their types (src/core)
export { Cidr } from './core/cidr';
export { Codes } from './core/codes';
export type { Code } from './core/codes';
export { MeshError } from './core/errors';
export { ExportTo } from './core/export-to';
export { StringMatch } from './core/http';
export { DEFAULT_ISTIO_VERSION, ISTIO_VERSIONS } from './core/istio-version';
export type { IstioVersion } from './core/istio-version';
export type { HttpMethod, StringMatchKind } from './core/http';
export { ConsistentHash, LoadBalancer } from './core/load-balancer';
export type { ConsistentHashKey, SimpleLoadBalancer } from './core/load-balancer';
export type { PortProtocol, Protocol, RequestProtocols } from './core/ports';
export { Principal } from './core/principal';
export {
  NON_IDEMPOTENT_RETRY_ON, Retries, RETRY_CONDITIONS, RETRY_CONDITIONS_AFTER_RESPONSE, RETRY_CONDITIONS_RESENDING,
} from './core/retries';
export type { IstioHttpRetry, RetriesOptions, RetryCondition } from './core/retries';
export { LocalityLbSetting } from './core/locality-lb';
export type { IstioLocalityLbSetting, LocalityFailoverPair, LocalityShares } from './core/locality-lb';
export type { ConnectionPool, H2UpgradePolicy, HttpConnectionPool, OutlierDetection, TcpConnectionPool } from './core/traffic-policy';
export { Percentage, Weight } from './core/weight';
export { Tier } from './core/tier';
export type { TierSettings } from './core/tier';
export type {
  Flow, FlowAnswer, FlowClientCertificate, FlowDecider, FlowLayer, FlowSource, FlowVerdict, FlowWorkload, FlowWorkloadRef, IntendedFlow,
} from './core/flow';

// The platform the mesh runs on (src/platform)
export { MeshPlatform } from './platform/platform';
export { PLATFORM_ANNOTATION } from './platform/platform-record';
export type {
  ApiServerPlatformProps, EgressGatewayPlatformProps, FlaggerPlatformProps, IngressGatewayPlatformProps, IstioPlatformProps,
  MeshPlatformProps, PlatformApiServer, PlatformComponent, PlatformEgressGateway, PlatformFlagger, PlatformIngressGateway, PlatformIstio,
  PlatformLabels, PlatformPrometheus,
  PlatformGateway, PlatformGatewayProps, PlatformGatewayServer, PlatformRateLimit, PlatformTracing, PrometheusPlatformProps,
  RateLimitServiceProps, TracingCollectorProps,
} from './platform/platform-props';
export { EgressGatewayInstall, IngressGatewayInstall, PrometheusInstall, TracingCollectorInstall } from './platform/presets';
export type {
  CollectorHelmChartOptions, CollectorProtocolOptions, HelmChartInstallOptions, IstioctlEgressGatewayOptions, IstioctlIngressGatewayOptions,
  JaegerOperatorOptions,
  JaegerStrategy, KubePrometheusStackOptions,
} from './platform/presets';
export type { PlatformSnapshotOptions } from './platform/snapshot';
export { DnsInstall, EdgeProxyInstall } from './platform/network-presets';
export type {
  CoreDnsHelmChartOptions, EdgeProxyHelmChartOptions, IngressNginxHelmChartOptions, NodeLocalDnsCacheOptions,
} from './platform/network-presets';
export type { DnsPlatformProps, EdgeProxyPlatformProps, EdgeProxyUpstream, PlatformDns, PlatformEdgeProxy } from './platform/network-props';
export { LoadTesterInstall } from './platform/load-tester-install';
export type { LoadTesterHelmChartOptions } from './platform/load-tester-install';
export type { LoadTesterPlatformProps, PlatformLoadTester } from './platform/load-tester';

// Workloads: pods through cdk8s-plus-27 (src/workload)
export { EnvVarValue, HealthProbe, WorkloadVolume } from './workload/pod-options';
export { Cpu, ExtendedResource } from './workload/quantities';
export type {
  EnvSource, ImagePullPolicy, KeyToPath, PodFieldPath, ProbeCheck, ProbesOptions, ProbeTiming, ProjectedSource, VolumeMountOptions, VolumeSource,
} from './workload/pod-options';
export type { AppMetricsOptions, InitContainerOptions, PodOptions, SidecarOptions } from './workload/pod-props';
export { VolumeClaim } from './workload/container-options';
export type {
  AccessMode, ContainerOptions, ContainerPortOptions, ContainerResources, StatefulOptions, VolumeClaimOptions,
} from './workload/container-options';
export { HardeningException, SeccompProfile } from './workload/security-context';
export type {
  ContainerSecurityOptions, HardeningField, LinuxCapability, PodSecurityOptions, RootEntrypointOptions,
} from './workload/security-context';
export { Toleration } from './workload/scheduling';
export type {
  AffinityOptions, NodeLabelRequirement, PodAffinityRule, PodSchedulingOptions, PreferredNodeTerm, TaintEffect, TolerationOptions,
  TopologySpreadOptions,
} from './workload/scheduling';
export type {
  NetworkPeer, NetworkPort, NetworkRule, WorkloadDeployment, WorkloadResource, WorkloadService, WorkloadStatefulSet,
} from './workload/workload';

// The mesh graph: charts (environments), services, calls, tiers (src/graph)
export { MeshChart } from './graph/mesh-chart';
export type { MeshChartProps } from './graph/mesh-chart';
export type { IExternalService, IMeshChart, IMeshServiceNode, IRemoteService } from './graph/interfaces';
export { MeshCluster } from './graph/mesh-cluster';
export { MeshService } from './graph/mesh-service';
export { MeshBatchWorkload, MeshCronJob, MeshJob } from './graph/mesh-batch-job';
export type {
  JobCall, JobCallOptions, JobExternalCall, JobPodOptions, JobRemoteCall, MeshBatchProps, MeshCronJobProps, MeshJobProps,
} from './graph/mesh-batch-job';
export { MeshCronJobObject, MeshJobObject } from './workload/mesh-pod';
export type {
  ICanaryTarget, IMeshService, IReleasedService, IRoutedService, IScaledService, ITieredService, IVersionedService, MeshServiceCommonProps,
  MeshServiceProps, MeshWorkloadProps,
} from './graph/mesh-service-props';
export { ServiceType } from './graph/service-exposure';
export type { ExternalServiceTypeOptions, ExternalTrafficPolicy, ServiceOptions, ServiceTypeName } from './graph/service-exposure';
export type { AddressForm, CallOptions, ExternalCall, ExternalCallOptions, ServiceCall } from './graph/service-call';
export type { InitContainerCall, MeshInitContainerOptions } from './graph/init-container-calls';
export { EgressRoute, ExternalService, TlsOrigination } from './graph/external-service';
export type { ExternalPort, ExternalResolution, ExternalServiceProps } from './graph/external-service';
export type { MutualTlsOriginationOptions, SimpleTlsOriginationOptions } from './graph/interfaces';
export { RemoteService } from './graph/remote-service';
export type { RemoteServiceProps } from './graph/remote-service';
export { VaultAgent } from './graph/vault-agent';
export type { VaultAgentOptions, VaultSecret } from './graph/vault-agent';
export { VirtualMachineGroup } from './graph/virtual-machine-group';
export type { VirtualMachine, VirtualMachineGroupProps } from './graph/virtual-machine-group';
export { RemoteCaller } from './graph/remote-caller';
export type { RemoteCallerProps } from './graph/remote-caller';
export {
  REMOTE_CALLS_FORMAT, REMOTE_CALLS_FORMAT_ANNOTATION, REMOTE_CALLS_KEY, REMOTE_CALLS_LABEL, REMOTE_CALLS_RECORD,
} from './core/remote-calls';
export type { RemoteCallEntry } from './core/remote-calls';
export type { ResolvedServicePort, ServicePortOptions } from './graph/service-port';
export type { ServiceVersion, SubsetTrafficPolicy, VersionOptions } from './graph/service-version';
export { TierDefaults } from './graph/tier-defaults';
export type { TierDefaultsProps } from './graph/tier-defaults';

// Traffic: the per-host model (src/graph/traffic) and locality failover (src/views/traffic)
export { HostTraffic } from './graph/traffic/host-traffic';
export type { HostPorts, SubsetOptions, VirtualServiceDelegate } from './graph/traffic/host-traffic';
export type {
  AbortFault, CorsPolicyOptions, DelayFault, DirectResponseOptions, FaultInjection, HeaderOperationsOptions,
  HeadersOptions, HttpMatchOptions, HttpRouteOptions, MirrorOptions, MirrorService, RedirectOptions, RewriteOptions,
  RouteDestinationOptions, TcpRouteOptions, TlsRouteOptions,
} from './graph/traffic/http-route';
export { LocalityLoadBalancing } from './views/traffic/locality-load-balancing';
export type { LocalityDistribute, LocalityFailover, LocalityLoadBalancingProps } from './views/traffic/locality-load-balancing';

// Security: the namespace's and each service's (src/graph/security), and the constructs built on them (src/views/security)
export type { AuthorizationCondition, AuthorizationOperation, AuthorizationRule, AuthorizationSource } from './graph/security/authorization-rule';
export { EdgeAuthentication } from './views/security/edge-authentication';
export type { ClaimToHeader, EdgeAuthenticationProps } from './views/security/edge-authentication';
export { MeshAuthorizationPolicy } from './views/security/mesh-authorization-policy';
export { AuthorizationAction } from './views/security/mesh-authorization-policy';
export type { AuthorizationActionName, MeshAuthorizationPolicyProps } from './views/security/mesh-authorization-policy';
export { ExtAuthzProvider } from './graph/security/ext-authz-provider';
export type { ExtAuthzGrpcOptions, ExtAuthzHttpOptions } from './graph/security/ext-authz-provider';
export { MeshSecurity } from './graph/security/mesh-security';
export type { MeshSecurityProps } from './graph/security/mesh-security';
export type { AdmitOptions, RemoteAdmission } from './graph/security/remote-admission';
export { MeshWideMtls, MtlsMode } from './graph/security/mtls-mode';
export type { MeshWideStrictOptions, MtlsModeName } from './graph/security/mtls-mode';
export { MtlsPolicy } from './graph/security/mtls-policy';
export type { MtlsPolicyProps } from './graph/security/mtls-policy';
export { SecureService } from './views/security/secure-service';
export type { SecureServiceProps } from './views/security/secure-service';
export { ServiceSecurity } from './graph/security/service-security';
export type { GatewayAdmission, PlaintextAdmission, WorkloadMtlsOptions } from './graph/security/service-security';

// Edge and scale view (src/views/edge)
export { Autoscaling } from './views/edge/autoscaling';
export type { AutoscalingProps, ScalingBehavior } from './views/edge/autoscaling';
export { AutoscalingMetric } from './views/edge/autoscaling-metric';
export type { AutoscalingMetricSource, ExternalMetricTarget } from './views/edge/autoscaling-metric';
export type { TrafficCapacity } from './views/edge/capacity';
export { EdgeGateway } from './views/edge/edge-gateway';
export type {
  EdgeGatewayProps, GatewayPlacement, GatewayPort, GatewayServer, GatewayTcpRouteOptions, GatewayTlsRouteOptions, GatewayWorkload,
  PlatformGatewayOptions,
} from './views/edge/edge-gateway';
export { EdgeProxyRoute } from './views/edge/edge-proxy-route';
export type { EdgeProxyKind, EdgeProxyRouteProps } from './views/edge/edge-proxy-route';
export { GatewayTls } from './views/edge/gateway-tls';
export type { GatewayMutualTlsOptions, GatewayTlsMode, ServerTlsSettings } from './views/edge/gateway-tls';
export { GlobalRateLimit } from './views/edge/global-rate-limit';
export { RateLimiter } from './views/edge/rate-limiter';
export type { IRateLimiter, RateLimiterGateway, RateLimiterProps } from './views/edge/rate-limiter';
export { RateLimitUser } from './views/edge/rate-limit-user';
export type { RateLimitJwtClaimOptions, RateLimitTokenIssuer, RateLimitUserKey } from './views/edge/rate-limit-user';
export type { GlobalRateLimitProps, RateLimitServiceRef } from './views/edge/global-rate-limit';
export { HighAvailability } from './views/edge/high-availability';
export type { HighAvailabilityProps, ZoneSpread, ZoneSpreadOptions } from './views/edge/high-availability';
export { IngressGateway } from './views/edge/ingress-gateway';
export type { IngressGatewayProps } from './views/edge/ingress-gateway';
export { GatewayRoute } from './views/edge/gateway-route';
export type { GatewayMirror, GatewayRouteOptions, GatewayShift } from './views/edge/gateway-route';
export { GatewayAnswer } from './views/edge/gateway-answer';
export type {
  GatewayAnswerMatchOptions, GatewayRedirectOptions, GatewayRedirectStatus, GatewayRedirectTarget, GatewayRespondOptions,
} from './views/edge/gateway-answer';
export { LocalRateLimit } from './views/edge/local-rate-limit';
export type { LocalRateLimitProps, LocalRateLimitRouteOptions, RateLimitOptions, ReplicaRange } from './views/edge/local-rate-limit';
export { MeshGateway } from './views/edge/mesh-gateway';
export type { MeshGatewayPods, MeshGatewayProps } from './views/edge/mesh-gateway';
export { ScalingPolicy } from './views/edge/scaling-policy';

// Release view: canaries, blue-green, Flagger, rollback, fault injection (src/views/release)
export { BlueGreenRelease } from './views/release/blue-green-release';
export type { BlueGreenColor, BlueGreenReleaseProps } from './views/release/blue-green-release';
export { CanaryPlan } from './views/release/canary-plan';
export type { CanaryPhase, CanaryStepsOptions, SuccessCriteria } from './views/release/canary-plan';
export { CanaryRelease } from './views/release/canary-release';
export type { CanaryReleaseProps } from './views/release/canary-release';
export { FaultInjectionTest, KubectlImage } from './views/release/fault-injection-test';
export type { ApiServerEndpoints, FaultInjectionTestProps } from './views/release/fault-injection-test';
export { FlaggerAlertAddress, FlaggerAlertProvider } from './views/release/flagger-alert-provider';
export type { FlaggerAlertProviderProps, FlaggerAlertProviderType } from './views/release/flagger-alert-provider';
export { FlaggerCanary } from './views/release/flagger-canary';
export type {
  FlaggerAlert, FlaggerCanaryProps, FlaggerLoadTest, FlaggerMatch, FlaggerSessionAffinity, FlaggerWebhook, FlaggerWebhookType,
} from './views/release/flagger-canary';
export { FlaggerMetric, FlaggerMetricTemplate } from './views/release/flagger-metric';
export type {
  FlaggerCanaryMetric, FlaggerCustomMetricOptions, FlaggerMetricTemplateProps, FlaggerThresholdRange, IFlaggerMetricTemplate,
} from './views/release/flagger-metric';
export { CanaryRollbackRules } from './views/release/rollback-rules';
export type { CanaryRollbackRulesProps } from './views/release/rollback-rules';

// Observability: SLOs (src/core), tracing and access logging (src/graph/observability), alerts, burn rates, dashboards (src/views/observability)
export type { AlertRule, RecordingRule, Rule, RuleGroup, SloTarget } from './views/observability/alert-rules';
export { ObservabilityStack } from './views/observability/observability-stack';
export type { AlertOptions, ObservabilityStackProps } from './views/observability/observability-stack';
export type { BuiltDashboard } from './views/observability/dashboards';
export type { Dashboard as GrafanaDashboard } from './private/grafana';
export { Rps } from './core/slo';
export { AppMetric, AppSloEvents, LabelMatcher } from './core/app-slo';
export type { AppLatencyEvents, AppRatioEvents, AppSlo, HistogramUnit, LabelMatchOperator } from './core/app-slo';
export type { AppSloTarget } from './views/observability/app-slo';
export type { LatencySlo, SaturationSlo, ServiceSlo } from './core/slo';
export { AccessLogging, TracingProvider } from './graph/observability/telemetry';
export type { MeshConfigTracingProvider, TracingCollectorAddress, TracingProtocol } from './graph/observability/telemetry';

// Problems: one shape for a construct's and a manifest's (core/problem.ts); a construct's own checks (private/construct-problems.ts)
export { problem, problemText } from './core/problem';
export type { Problem, Severity } from './core/problem';
export { addProblems, problemAbout, setPrimaryObject } from './private/construct-problems';
export type { ConstructProblem, ObjectProblem, ProblemSource } from './private/construct-problems';

// Warnings the constructs acknowledge (src/validate: the codes are the validator's)
export { WARNING_CODES, Warnings } from './validate/warnings';
export type { Acknowledgement, WarningCode } from './validate/warnings';

// Synth: the app, its file layout, the checks every MeshChart registers, on top of every layer (src/synth)
import './synth/synth-check-wiring';
export { MeshApp, MeshSynthError } from './synth/mesh-app';
export type { ManifestFile, MeshAppProps } from './synth/mesh-app';
// A chart's topology picture, as synth writes it beside its manifests (the pictures of manifests alone: cdk8s-mesh/review)
export { renderChartTopology } from './review/topology';
