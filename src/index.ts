export * from './core';
export * from './mesh/mesh-app';
export * from './mesh/mesh-chart';
export * from './service/mesh-service';
export * from './service/service-call';
export * from './service/service-port';
export * from './traffic/host-traffic';
export * from './traffic/tier';
export * from './traffic/tier-defaults';
export { ContainerResources } from './workload/workload';
export * from './edge/autoscaling';
export * from './edge/capacity';
export * from './edge/edge-gateway';
export * from './edge/gateway-tls';
export * from './edge/global-rate-limit';
export * from './edge/high-availability';
export * from './edge/ingress-gateway';
export * from './edge/local-rate-limit';
export * from './edge/locality-load-balancing';
export * from './edge/mesh-gateway';
export * from './edge/scaling-policy';
export * from './validate/finding';
export * from './validate/validate';
export { analyze, ANALYSIS_CHECKS, AnalysisCheck, MeshIndex, resolveHost } from './validate/analysis';
export { CRDS_ENV, loadCrdBundles, resolveCrdDirectory } from './validate/crd-schemas';
export { main as validateCli } from './validate/cli';
export type { CliIo } from './private/cli-io';
export * from './security/authorization-rule';
export * from './security/edge-authentication';
export * from './security/mesh-authorization-policy';
export * from './security/mesh-security';
export * from './platform/platform';
export * from './security/mtls-mode';
export * from './security/mtls-policy';
export * from './security/pod-hardening';
export * from './security/secure-service';
export * from './security/service-security';
export { NetworkPeer, NetworkPort } from './workload/workload';
export * from './release/canary-plan';
export * from './release/canary-release';
export * from './release/rollback-rules';
export * from './release/flagger-canary';
export * from './release/flagger-metric';
export * from './release/fault-injection-test';
export * from './release/blue-green-release';
export * from './observability/alert-rules';
export * from './observability/burn-rate';
export * from './observability/observability-stack';
export * from './observability/promql';
export * from './observability/slo';
export * from './observability/telemetry';
export { BuiltDashboard, DashboardContext, buildDashboards, dashboardProblems, dashboardQueries } from './observability/dashboards';
export * from './review/change-note';
export {
  connectivityDiff, ConnectivityChange, ConnectivityDiff, ConnectivityOptions, ConnectivityProbe, ConnectivityVerdict, ProbeKind,
} from './review/connectivity';
export { renderConnectivity } from './review/connectivity-markdown';
export * from './review/manifest-tree';
export * from './review/markdown';
export * from './review/semantic-diff';
export * from './review/topology';
export { ExitCodes as DiffExitCodes, main as diffMain, connectivityOf } from './review/cli';
export {
  Flow, FlowDecider, FlowLayer, FlowMethod, FlowSource, FlowVerdict, FlowWorkload, IntendedFlow,
  FlowOptions, FlowEvaluator, evaluateFlow, SIDECAR_OWN_PORTS,
  checkIntendedFlows, undeclaredOpenPairs, workloadPairs, FlowFinding, WorkloadPair, PairVerdict, describeDecider,
} from './flow';
