/**
 * The record of an environment's calls to services other charts or repositories synthesize
 * (RemoteServices), format `remote-calls/v2`: a ConfigMap of the caller's namespace, labelled
 * `mesh.cdk8s.io/record: remote-calls` and annotated `mesh.cdk8s.io/format: remote-calls/v2`,
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
/**
 * The format and version this library writes. Version 2 records each declared path as declared
 * (`request.path`, a pattern) with the requests that prove it (`request.paths`); version 1
 * recorded one concrete path per declared path, so a callee that narrowed its admission to that
 * one path went unnoticed.
 */
export const REMOTE_CALLS_FORMAT = 'remote-calls/v2';
/** Every format and version this library reads: the one it writes and `remote-calls/v1`. */
export const REMOTE_CALLS_FORMATS_READ: readonly string[] = ['remote-calls/v1', REMOTE_CALLS_FORMAT];
/** The ConfigMap key that holds the entries. */
export const REMOTE_CALLS_KEY = 'calls.yaml';

/** One recorded call (format `remote-calls/v2`; `remote-calls/v1` as noted). */
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
    /**
     * `false` when its pods run no Istio sidecar (a `RemoteService` with `sidecar: false`): the
     * call is plaintext, with no mTLS identity for the callee to check. Absent when they run one,
     * so a record of a meshed callee reads as before and older readers read every record.
     * @default true
     */
    readonly sidecar?: boolean;
    /** The Service port called: its name (which says its protocol), number and container port. */
    readonly port: { readonly name: string; readonly port: number; readonly targetPort: number };
  };
  /**
   * The request: a method and path over HTTP or gRPC; nothing but the protocol for a TCP or
   * TLS connection or UDP datagrams. The protocol is the port's unless given.
   */
  readonly request: {
    /**
     * `TCP` or `TLS` for a connection on such a port, `UDP` for datagrams to a UDP port, which no sidecar captures, so only
     * the NetworkPolicies decide (no method or path).
     */
    readonly protocol?: 'TCP' | 'TLS' | 'UDP';
    /** The method (a gRPC call's is POST). */
    readonly method?: string;
    /**
     * The path as the call declares it, in AuthorizationPolicy syntax (`/api/stock/*`, `/x/{*}`,
     * `*` for a call that names none); a concrete path in `remote-calls/v1`.
     */
    readonly path?: string;
    /**
     * The concrete requests that prove what `path` admits (`remote-calls/v2`): `/api/stock`,
     * `/api/stock/x` and `/api/stock/x/x` for `/api/stock/*` on an HTTP port.
     */
    readonly paths?: readonly string[];
  };
}
