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

/**
 * A load test during the analysis: a `rollout` webhook to the platform's load tester (`MeshPlatform.loadTester`,
 * Flagger's flagger-loadtester), which runs `hey` (an HTTP port) or `ghz` (a gRPC port; the load tester's image carries
 * both) against the canary's Service `<service>-canary` on the service's first port each interval (unless the previous
 * run is still going). Without requests to the canary its metrics have
 * "no values found", which Flagger counts as failed checks until it rolls back.
 * @see https://docs.flagger.app/usage/webhooks#load-testing
 * @see https://github.com/fluxcd/flagger/blob/main/pkg/loadtester/task_shell.go (the command runs under `sh -c`)
 * @see https://github.com/rakyll/hey (its -z, -q, -c and -m flags)
 * @see https://ghz.sh/docs/options (its --insecure, -z, -r, -c, --proto and --call flags)
 */
export interface FlaggerLoadTest {
  /**
   * Requests per second to the canary, over all workers (`hey -q` is per worker: the command passes
   * `rate / concurrency`; `ghz -r` is the total, a whole number).
   */
  readonly rate: number;
  /** How long each run lasts (`hey -z`): at least the analysis interval keeps the canary under load between calls. */
  readonly duration: Duration;
  /**
   * Workers sending at once (`hey -c`).
   * @default 2
   */
  readonly concurrency?: number;
  /**
   * The gRPC method a load test of a gRPC port calls, `package.Service/Method` (`ghz --call`), with an empty request
   * message, which ghz describes by the service's server reflection: the service then admits the load tester on the
   * method and on the reflection service (`grpc.reflection.v1.ServerReflection/ServerReflectionInfo` and its `v1alpha`).
   * An HTTP port's load test takes `method` and `path` instead.
   * @default - on a gRPC port, `grpc.health.v1.Health/Check` described by the health.proto the load tester's image
   * carries (`/tmp/ghz/health.proto`, Flagger's "without reflection" form): the gRPC health service, which the default
   * gRPC probe calls too
   * @see https://docs.flagger.app/usage/webhooks#load-testing
   */
  readonly grpcMethod?: string;
  /**
   * The requests' method (`hey -m`): one hey sends, GET, HEAD, OPTIONS, POST, PUT or DELETE.
   * @default 'GET'
   */
  readonly method?: 'GET' | 'HEAD' | 'OPTIONS' | 'POST' | 'PUT' | 'DELETE';
  /**
   * The requests' path: concrete (no `*`), without a query.
   * @default '/'
   */
  readonly path?: string;
  /**
   * The webhook's name.
   * @default 'load-test'
   */
  readonly name?: string;
  /**
   * How long Flagger waits for the load tester to accept the command.
   * @default - Flagger's (10s)
   */
  readonly timeout?: Duration;
}
