/** The flow vocabulary lives in src/core/flow.ts (the constructs state their intended flows in it); the validator's modules read it here. */
export type {
  Flow, FlowAnswer, FlowClientCertificate, FlowDecider, FlowLayer, FlowSource, FlowVerdict, FlowWorkload, FlowWorkloadRef, IntendedFlow,
} from '../../core/flow';
