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
