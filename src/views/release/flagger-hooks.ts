import { Duration } from 'cdk8s';

/*
 * The webhooks and notifications of a Flagger analysis: shared by FlaggerCanary and its
 * renderer, in a module of their own so that neither imports the other.
 */

/** When Flagger calls a webhook. */
export type FlaggerWebhookType = 'confirm-rollout' | 'pre-rollout' | 'rollout' | 'confirm-promotion'
| 'post-rollout' | 'event' | 'rollback' | 'confirm-traffic-increase';

/**
 * A webhook Flagger calls during the analysis.
 * @see https://docs.flagger.app/usage/webhooks
 */
export interface FlaggerWebhook {
  /** The webhook's name. */
  readonly name: string;
  /** When it is called. */
  readonly type: FlaggerWebhookType;
  /** The URL Flagger POSTs to. */
  readonly url: string;
  /**
   * How long Flagger waits for an answer.
   * @default - Flagger's (10s)
   */
  readonly timeout?: Duration;
  /**
   * Extra key/values sent with the call.
   * @default - none
   */
  readonly metadata?: Record<string, string>;
}

/**
 * A notification Flagger sends through an AlertProvider (Slack, Teams, Alertmanager...):
 * on a rollback at `error`, on every step at `info`. Notifications go here, never in a
 * `rollback` webhook, which is a gate (a 2xx answer rolls the canary back).
 * @see https://docs.flagger.app/usage/alerting#canary-configuration
 */
export interface FlaggerAlert {
  /** The alert's name. */
  readonly name: string;
  /**
   * The least severe event sent.
   * @default 'error' - rollbacks and failed checks only
   */
  readonly severity?: 'info' | 'warn' | 'error';
  /** The AlertProvider (flagger.app/v1beta1) to send through. */
  readonly providerRef: { readonly name: string; readonly namespace?: string };
}
