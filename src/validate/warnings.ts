/**
 * Acknowledged warnings: a team that has looked at a warning and keeps the setting
 * says so on the construct that causes it, with its reason. Synth then lists the
 * warning as acknowledged, in one line, instead of printing it at every run.
 */
import { IConstruct } from 'constructs';
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';
import { constructsUnder } from '../private/synth-memo';

/**
 * The codes whose findings are warnings (marked *warning* in the README's tables), the
 * only ones that can be acknowledged: MESH111, retries that may resend a POST,
 * and the analysis's warnings that istioctl analyze reports as warnings too.
 */
export type WarningCode = (typeof WARNING_CODES)[number];

/** Every {@link WarningCode}. */
export const WARNING_CODES = [
  Codes.CONSISTENT_HASH_PER_ZONE,
  Codes.HEADLESS_LOAD_BALANCER,
  Codes.HASH_ON_APPLICATION_SESSION_COOKIE,
  Codes.MESH_ONLY_ROUTE_ACTION,
  Codes.AUDIT_POLICY_RECORDS_NOTHING,
  Codes.UNREACHABLE_RULE,
  Codes.RETRY_NON_IDEMPOTENT,
  Codes.PORT_NAME_CONVENTION,
  Codes.RATE_LIMIT_BYPASSED,
  Codes.DEPRECATED_FIELD,
  Codes.TELEMETRY_UNSUPPORTED,
  Codes.GATEWAY_SELECTOR_MATCHES_NOTHING,
  Codes.GATEWAY_PORT_NOT_ON_SERVICE,
  Codes.SIDECAR_IN_AMBIENT,
  Codes.HOST_NOT_IN_GATEWAY,
  Codes.INTERNAL_GATEWAY_REFERENCE,
  Codes.DEPLOYMENT_MULTIPLE_SERVICES,
  Codes.DEPLOYMENT_CONFLICTING_PORTS,
  Codes.TLS_WITHOUT_CA,
  Codes.PORT_TLS_WITHOUT_CA,
  Codes.INEFFECTIVE_MATCH,
  Codes.SERVICE_ENTRY_ADDRESSES_REQUIRED,
  Codes.GATEWAY_DUPLICATE_CERTIFICATE,
  Codes.INGRESS_SKIPS_SUBSET_RULES,
  Codes.EXTERNAL_NAME_PORT_NAME,
  Codes.ENVOY_FILTER_RELATIVE_OPERATION,
  Codes.ENVOY_FILTER_RELATIVE_OPERATION_PROXY_VERSION,
  Codes.SERVICE_ENTRY_PROTOCOL_CONFLICT,
  Codes.RETRY_OUTER_GIVES_UP_FIRST,
  Codes.RETRY_STACKED_NON_IDEMPOTENT,
  Codes.RETRY_RESET_NON_IDEMPOTENT,
  Codes.STATEFUL_REPLICAS_UNREPLICATED,
  Codes.WEBHOOK_WARNING,
  Codes.METHOD_NEVER_MATCHES,
  Codes.FLAGGER_MIRRORS_WRITES,
  Codes.FLAGGER_GATEWAY_BYPASS,
  Codes.FLAGGER_GRPC_SUCCESS_RATE,
  Codes.FLAGGER_LOAD_TESTER_REFUSED,
  Codes.RATE_LIMIT_KEY_CLIENT_HEADER,
  Codes.AUTHORIZATION_POLICY_MATCHES_NOTHING,
  Codes.AUTHORIZATION_VALUE_WILDCARD_LITERAL,
  Codes.GATEWAY_CLIENT_CA_UNSET,
  Codes.ROOT_WITHOUT_SETUID,
  Codes.OFFICIAL_IMAGE_USER,
  Codes.DATA_ON_EMPTY_DIR,
  Codes.MANAGEMENT_SCRAPE_DISABLED,
  Codes.JOB_SIDECAR_NEVER_EXITS,
  Codes.GATEWAY_TIMEOUT_CUTS_STREAMS,
  Codes.STREAM_LATENCY_MEASURED,
  Codes.EDGE_AUTH_ROUTE_UNGUARDED,
  Codes.RULE_CALLER_CANNOT_REACH,
  Codes.ADDRESS_NARROWING_VOID,
  Codes.EXTERNAL_EGRESS_ANY_ADDRESS,
  Codes.MIRROR_SERVES_WRITES,
  Codes.GATEWAY_CONNECTIONS_CAPPED,
  Codes.STREAMS_CONNECTION_CAPPED,
  Codes.FLAGGER_DELEGATION_SKIPS_MESH_CALLERS,
  Codes.FLAGGER_DROPS_TCP_POOL,
  Codes.FLAGGER_WEBHOOK_UNVERIFIED,
  Codes.FLAGGER_SPLITS_HASHED_SESSIONS,
  Codes.SIDECAR_DRAIN_SHORTER_THAN_REQUESTS,
  Codes.STREAM_DRAIN_DEFAULT,
  Codes.GATEWAY_SERVER_UNROUTED,
  Codes.EXTERNAL_CLIENT_ADDRESS_REWRITTEN,
  Codes.POLICY_PORT_IS_SERVICE_PORT,
  Codes.NETWORK_POLICY_PORT_IS_SERVICE_PORT,
  Codes.PORT_SETTINGS_DROP_POLICY,
  Codes.GATEWAY_REDIRECT_DROPS_PATH,
] as const;

/** One acknowledgement: a warning code, under a construct, and why it is kept. */
export interface Acknowledgement {
  /** The warning's code. */
  readonly code: WarningCode;
  /** Why the warning is kept, as a reviewer should read it. */
  readonly reason: string;
  /** The construct path it applies to: the construct and everything below it. */
  readonly path: string;
}

const registry = new WeakMap<IConstruct, Warnings>();

/**
 * The warnings a construct acknowledges. A warning found in a resource rendered by
 * the construct or any construct below it is acknowledged.
 *
 * @example
 * Warnings.of(order).acknowledge('MESH111', 'POST /api/orders carries an idempotency key');
 */
export class Warnings {
  /** The acknowledgements of `scope` (created on first use). */
  public static of(scope: IConstruct): Warnings {
    let w = registry.get(scope);
    if (!w) {
      w = new Warnings(scope);
      registry.set(scope, w);
    }
    return w;
  }

  /** Every acknowledgement made on `scope` or any construct below it, in construct order. */
  public static within(scope: IConstruct): Acknowledgement[] {
    return constructsUnder(scope).flatMap((c) => registry.get(c)?.acknowledgements ?? []);
  }

  private readonly _acks: Acknowledgement[] = [];

  private constructor(private readonly scope: IConstruct) {}

  /**
   * Acknowledges the warnings of `code` found under this construct.
   * Throws [MESH060] without a reason, [MESH061] for a code that is not a warning.
   */
  public acknowledge(code: WarningCode, reason: string): void {
    const path = this.scope.node.path;
    if (!(WARNING_CODES as readonly string[]).includes(code)) {
      throw new MeshError(Codes.ACKNOWLEDGED_NOT_A_WARNING,
        `${path}: ${code} is not a warning code (${WARNING_CODES.join(', ')}); errors cannot be acknowledged`);
    }
    if (typeof reason !== 'string' || reason.trim() === '') {
      throw new MeshError(Codes.ACKNOWLEDGEMENT_WITHOUT_REASON, `${path}: acknowledging ${code} needs a reason`);
    }
    if (this._acks.some((a) => a.code === code)) return;
    this._acks.push({ code, reason: reason.trim(), path });
  }

  /** This construct's own acknowledgements. */
  public get acknowledgements(): readonly Acknowledgement[] {
    return [...this._acks];
  }
}

/** The acknowledgement covering a warning of `code` at construct `path`, if any (the nearest one). */
export function acknowledgementOf(acks: readonly Acknowledgement[], code: string, path: string | undefined): Acknowledgement | undefined {
  if (path === undefined) return undefined;
  let best: Acknowledgement | undefined;
  for (const a of acks) {
    if (a.code !== code) continue;
    const covers = a.path === '' || path === a.path || path.startsWith(`${a.path}/`);
    if (covers && (!best || a.path.length > best.path.length)) best = a;
  }
  return best;
}
