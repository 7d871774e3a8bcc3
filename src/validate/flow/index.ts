export * from './flow';
export { FlowOptions } from './cluster';
export { evaluateFlow, FlowEvaluator, SIDECAR_OWN_PORTS } from './evaluate';
export { checkIntendedFlows, undeclaredOpenPairs, workloadPairs, FlowFinding, WorkloadPair, describeDecider } from './check';
export { PairVerdict } from './pairs';
