import type { IstioVersion } from '../../core/istio-version';

/** How a webhook check reports a finding: its code, the field, a message, and whether it is only a warning. */
export type Report = (code: string, field: string, message: string, severity?: 'warning') => void;

/** What istiod knows of an object besides its spec: the release it runs, the object's namespace, labels and annotations. */
export interface WebhookScope {
  /** The Istio release whose rules apply. */
  readonly version: IstioVersion;
  /** The object's namespace (`default` when the manifest names none, as kubectl applies it there by default). */
  readonly namespace: string;
  /** The object's labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** The object's annotations. */
  readonly annotations: Readonly<Record<string, string>>;
}
