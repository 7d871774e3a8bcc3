export * from './flow';
export { FlowOptions } from './cluster';
export { evaluateFlow, FlowEvaluator, SIDECAR_OWN_PORTS } from './evaluate';
