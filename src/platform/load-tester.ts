/**
 * Flagger's load tester (fluxcd/flagger `charts/loadtester`, image ghcr.io/fluxcd/flagger-loadtester): the
 * service a Canary's `rollout` webhooks call with a `hey` command, which it runs in the background against the
 * canary so that the analysis has requests to measure. Without them Flagger finds "no values found" for its
 * metrics, counts a failed check each interval and rolls the release back
 * (fluxcd/flagger pkg/controller/scheduler.go, `runAnalysis`). Its props; the preset of its Helm chart is in ./load-tester-install.ts.
 * @see https://docs.flagger.app/usage/webhooks#load-testing
 */
/**
 * Flagger's load tester as the platform runs it: its pods, which send the load test's requests (a released
 * service's NetworkPolicy and AuthorizationPolicy admit them), and its Service, which Flagger calls. Every field
 * not given is the Flagger docs' install (`helm upgrade -i flagger-loadtester flagger/loadtester --namespace=test`,
 * `LoadTesterInstall.helmChart`).
 * @see https://docs.flagger.app/usage/webhooks#load-testing
 */
export interface LoadTesterPlatformProps {
  /**
   * What installed the load tester, as messages name it.
   * @default - the preset's
   */
  readonly installedBy?: string;
  /**
   * The load tester's namespace.
   * @default 'test'
   */
  readonly namespace?: string;
  /**
   * The load tester's Service, which webhooks address (`http://<serviceName>.<namespace>/`).
   * @default 'flagger-loadtester'
   */
  readonly serviceName?: string;
  /**
   * The load tester pods' labels.
   * @default { app: 'loadtester', 'app.kubernetes.io/name': 'loadtester' }
   * @see https://github.com/fluxcd/flagger/blob/main/charts/loadtester/templates/deployment.yaml
   */
  readonly podLabels?: Readonly<Record<string, string>>;
  /**
   * The selector of the load tester's Service, by which a released service's NetworkPolicy selects its pods.
   * @default { app: 'loadtester' }
   */
  readonly serviceSelector?: Readonly<Record<string, string>>;
  /**
   * The load tester pods' ServiceAccount: its principal is what a released service's AuthorizationPolicy admits.
   * The chart names none unless `serviceAccountName` or `rbac.create` is set, so its pods run as the namespace's
   * `default`, which every other pod of the namespace without one of its own shares.
   * @default 'default'
   */
  readonly serviceAccount?: string;
  /**
   * The port of the load tester's Service (the chart's `service.port`).
   * @default 80
   */
  readonly port?: number;
  /**
   * The load tester pods' port, which the Service's port targets (the container's `-port=8080`).
   * @default 8080
   */
  readonly targetPort?: number;
  /**
   * Whether the load tester's pods run an Istio sidecar. The chart writes no `sidecar.istio.io/inject`
   * annotation, so they do where their namespace has injection on, as in Flagger's Istio tutorial
   * (`kubectl label namespace test istio-injection=enabled`): they then present their principal over mTLS.
   * Without one they send plaintext, which a released service accepts on the load-tested port only
   * (PERMISSIVE there) from the load tester's pods and from no mTLS identity.
   * @default true
   * @see https://docs.flagger.app/tutorials/istio-progressive-delivery
   */
  readonly meshed?: boolean;
}

/** The resolved load tester: every field set. */
export type PlatformLoadTester = Required<LoadTesterPlatformProps>;
