import { Codes } from '../../core/codes';
import { MeshError } from '../../core/errors';

/** The mTLS modes of a PeerAuthentication. */
export type MtlsModeName = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

/**
 * How a workload accepts connections: STRICT (mTLS only), PERMISSIVE (mTLS or
 * plaintext, for migrations and scrapers) or DISABLE (plaintext only).
 *
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/#PeerAuthentication-MutualTLS-Mode
 */
export class MtlsMode {
  /** Only mutual TLS: the secure default. */
  public static strict(): MtlsMode {
    return new MtlsMode('STRICT');
  }

  /** mTLS or plaintext: an explicit, reviewable opt-out. */
  public static permissive(): MtlsMode {
    return new MtlsMode('PERMISSIVE');
  }

  /** Plaintext only: an explicit, reviewable opt-out. */
  public static disable(): MtlsMode {
    return new MtlsMode('DISABLE');
  }

  private constructor(
    /** Istio's name of the mode. */
    public readonly mode: MtlsModeName,
  ) {}

  /** True for STRICT. */
  public get isStrict(): boolean {
    return this.mode === 'STRICT';
  }

  /** `STRICT` */
  public toString(): string {
    return this.mode;
  }
}

/**
 * The mesh-wide mTLS policy, PeerAuthentication `default` in Istio's root namespace: an explicit,
 * staged opt-in, since it governs every namespace of the cluster, those of other teams and of the
 * platform too. `none()` (the default) writes nothing: each chart's namespace is STRICT on its own
 * (`MeshSecurityProps.namespaceMtls`), which covers every service the library writes. `permissive()`
 * is the first stage of Istio's migration: it changes no traffic, while you find the plaintext
 * clients left (`istio_requests_total{connection_security_policy="none"}` in each server's reports,
 * `reporter="destination"`). `strict(...)` is the second: every meshed workload of the cluster
 * then refuses plaintext (an un-meshed ingress controller, a Prometheus with a sidecar on its own
 * port, a job without a proxy), so it takes the evidence that the first stage found none.
 *
 * @see https://istio.io/latest/docs/tasks/security/authentication/mtls-migration/
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/ (the root namespace's policy is mesh-wide)
 */
export class MeshWideMtls {
  /** No mesh-wide PeerAuthentication: the root namespace is left to the cluster's owner. */
  public static none(): MeshWideMtls {
    return new MeshWideMtls(undefined);
  }

  /** Stage 1: PERMISSIVE mesh-wide, mTLS and plaintext accepted, while the plaintext clients are found. */
  public static permissive(): MeshWideMtls {
    return new MeshWideMtls(MtlsMode.permissive());
  }

  /**
   * Stage 2: STRICT mesh-wide. `plaintextClientsChecked` says how the first stage showed that no
   * plaintext client is left (the query, the period): it is the review's record, and an empty one
   * throws (MESH641).
   */
  public static strict(options: MeshWideStrictOptions): MeshWideMtls {
    const evidence = options.plaintextClientsChecked.trim();
    if (evidence === '') {
      throw new MeshError(Codes.MESH_WIDE_STRICT_UNSTAGED,
        'mesh-wide STRICT needs plaintextClientsChecked: how the PERMISSIVE stage showed that no plaintext client is left');
    }
    return new MeshWideMtls(MtlsMode.strict(), evidence);
  }

  private constructor(
    /** The root namespace's mode; undefined: no mesh-wide policy is written. */
    public readonly mode: MtlsMode | undefined,
    /** For STRICT: how the PERMISSIVE stage showed that no plaintext client is left. */
    public readonly plaintextClientsChecked?: string,
  ) {}

  /** `none`, `PERMISSIVE` or `STRICT` */
  public toString(): string {
    return this.mode?.mode ?? 'none';
  }
}

/** Options for {@link MeshWideMtls.strict}. */
export interface MeshWideStrictOptions {
  /**
   * How the PERMISSIVE stage showed that no plaintext client is left, for the review:
   * `'no istio_requests_total{connection_security_policy="none"} for 14 days under mesh-wide PERMISSIVE'`.
   */
  readonly plaintextClientsChecked: string;
}
