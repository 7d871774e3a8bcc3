import { Construct } from 'constructs';
import { Codes } from '../../core/codes';
import { formatProblem, MeshError } from '../../core/errors';
import { dns1123LabelProblem } from '../../core/names';
import { MeshChart } from '../../graph/mesh-chart';
import { addAlertProvider } from './flagger-alert-provider.render';
import type { FlaggerAlert } from './flagger-hooks';
import { addProblems } from '../../private/construct-problems';

/** The chat services Flagger's notifier speaks (fluxcd/flagger pkg/notifier/factory.go). */
export type FlaggerAlertProviderType = 'slack' | 'msteams' | 'discord' | 'rocket' | 'gchat';

/**
 * Where Flagger posts a provider's notifications: a URL written in the AlertProvider, or a
 * Secret of the provider's namespace whose `address` key holds it (and `token`, optionally,
 * a bearer token), so that a webhook URL that is itself a credential stays out of the manifests.
 * @see https://docs.flagger.app/usage/alerting#canary-configuration
 */
export class FlaggerAlertAddress {
  /**
   * The Secret `name` of the provider's namespace, with the webhook URL under `address`
   * (Flagger reads `secret.Data["address"]`, and `token` when present: pkg/controller/events.go).
   */
  public static secret(name: string): FlaggerAlertAddress {
    const problem = dns1123LabelProblem(name);
    if (problem) throw new MeshError(Codes.INVALID_NAME, `FlaggerAlertAddress.secret: name: ${problem}`);
    return new FlaggerAlertAddress({ secretName: name });
  }

  /** A webhook URL written in the AlertProvider, for one that carries no credential (an internal relay). */
  public static url(url: string): FlaggerAlertAddress {
    if (!/^https?:\/\/\S+$/.test(url)) {
      throw new MeshError(Codes.FLAGGER_INVALID_ANALYSIS, `FlaggerAlertAddress.url: must be an http(s) URL, got '${url}'`);
    }
    return new FlaggerAlertAddress({ url });
  }

  private constructor(
    /** The address, one of its two shapes. */
    public readonly value: { readonly secretName?: string; readonly url?: string },
  ) {}
}

/** Props for {@link FlaggerAlertProvider}. */
export interface FlaggerAlertProviderProps {
  /** The chat service. */
  readonly type: FlaggerAlertProviderType;
  /** Where the notifications are posted. */
  readonly address: FlaggerAlertAddress;
  /**
   * The AlertProvider's name.
   * @default - the construct's id
   */
  readonly name?: string;
  /**
   * The channel (Slack, Discord, Rocket).
   * @default - Flagger's: `general`
   */
  readonly channel?: string;
  /**
   * The name notifications are posted as.
   * @default - Flagger's: `flagger`
   */
  readonly username?: string;
}

/**
 * A Flagger AlertProvider (flagger.app/v1beta1) in the chart's namespace: where a
 * {@link FlaggerCanary}'s `alerts` send its notifications (a rollback at `error`, every step at
 * `info`). This is how a release tells people it rolled back; a `rollback` webhook is a gate
 * that rolls the canary back whenever it answers 2xx, never a notification (MESH667). Its
 * default child (`Resource`) is the AlertProvider.
 * @see https://docs.flagger.app/usage/alerting
 */
export class FlaggerAlertProvider extends Construct {
  /** The AlertProvider's name. */
  public readonly name: string;
  /** Its namespace, the chart's (a Secret address is read there). */
  public readonly namespace: string;
  /** The chat service. */
  public readonly type: FlaggerAlertProviderType;
  /** Where the notifications are posted. */
  public readonly address: FlaggerAlertAddress;
  /** @internal The channel, if any. */
  public readonly _channel?: string;
  /** @internal The user name the messages are posted as, if any. */
  public readonly _username?: string;

  public constructor(scope: Construct, id: string, props: FlaggerAlertProviderProps) {
    super(scope, id);
    const chart = MeshChart.of(this);
    this.name = props.name ?? id;
    this.namespace = chart.namespace;
    this.type = props.type;
    this.address = props.address;
    this._channel = props.channel;
    this._username = props.username;
    addAlertProvider(this, 'Resource', { name: this.name, namespace: this.namespace, labels: chart.commonLabels() }, this);
    addProblems(this, () => this.problems());
  }

  /**
   * An entry of a FlaggerCanary's `alerts` sending through this provider: `error` (the
   * default) for rollbacks and failed checks, `warn` for those and warnings, `info` for every step.
   */
  public alert(options: { readonly name?: string; readonly severity?: FlaggerAlert['severity'] } = {}): FlaggerAlert {
    return { name: options.name ?? this.name, severity: options.severity ?? 'error', providerRef: { name: this.name, namespace: this.namespace } };
  }

  private problems(): string[] {
    const problem = dns1123LabelProblem(this.name);
    return problem ? [formatProblem(Codes.INVALID_NAME, `name: ${problem}`)] : [];
  }
}
