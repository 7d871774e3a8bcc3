/**
 * The record of an environment's calls to services other charts or repositories synthesize
 * (RemoteServices), format `remote-calls/v1`: a ConfigMap of the caller's namespace, labelled
 * `mesh.cdk8s.io/record: remote-calls` and annotated `mesh.cdk8s.io/format: remote-calls/v1`,
 * whose `calls.yaml` is a YAML list of {@link RemoteCallEntry}. The caller's synth writes it;
 * the flow check reads it wherever it runs over the caller's folder (with the callee's, to prove
 * the callee admits each call). A plain ConfigMap, so `kubectl apply` and every schema accept it.
 */

/** The label that marks a remote-calls record, and its value. */
export const REMOTE_CALLS_LABEL = 'mesh.cdk8s.io/record';
/** The value of {@link REMOTE_CALLS_LABEL} on a remote-calls record. */
export const REMOTE_CALLS_RECORD = 'remote-calls';
/** The annotation that names the record's format and version. */
export const REMOTE_CALLS_FORMAT_ANNOTATION = 'mesh.cdk8s.io/format';
/** The format and version this library writes and reads. */
export const REMOTE_CALLS_FORMAT = 'remote-calls/v1';
/** The ConfigMap key that holds the entries. */
export const REMOTE_CALLS_KEY = 'calls.yaml';

/** One recorded call (format `remote-calls/v1`). */
export interface RemoteCallEntry {
  /** The construct path of the call's caller: `checkout/storefront`. */
  readonly caller: string;
  /** What the call is, for messages: `storefront calls catalog/catalog-api GET /api/products/x`. */
  readonly description: string;
  /** The calling workload (its `app` label) and namespace. */
  readonly source: { readonly workload: string; readonly namespace: string };
  /** The called service, as the caller's chart declares it. */
  readonly callee: {
    /** The Service's name. */
    readonly service: string;
    /** Its namespace. */
    readonly namespace: string;
    /** The ServiceAccount of its pods. */
    readonly serviceAccount: string;
    /** The labels on its pods (the caller's NetworkPolicy egress selects them). */
    readonly podLabels: Readonly<Record<string, string>>;
    /** The Service port called: its name (which says its protocol), number and container port. */
    readonly port: { readonly name: string; readonly port: number; readonly targetPort: number };
  };
  /**
   * The request: a method and path over HTTP or gRPC; nothing but the protocol for a TCP or
   * TLS connection. The protocol is the port's unless given.
   */
  readonly request: { readonly protocol?: 'TCP' | 'TLS'; readonly method?: string; readonly path?: string };
}
