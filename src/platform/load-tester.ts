/**
 * Flagger's load tester (fluxcd/flagger `charts/loadtester`, image ghcr.io/fluxcd/flagger-loadtester): the
 * service a Canary's `rollout` webhooks call with a `hey` command, which it runs in the background against the
 * canary so that the analysis has requests to measure. Without them Flagger finds "no values found" for its
 * metrics, counts a failed check each interval and rolls the release back
 * (fluxcd/flagger pkg/controller/scheduler.go, `runAnalysis`). Its props, and the preset of its Helm chart.
 * @see https://docs.flagger.app/usage/webhooks#load-testing
 */
import { checkedName, helmFullname } from './presets';

/**
 * Flagger's load tester as the platform runs it: its pods, which send the load test's requests (a released
 * service's NetworkPolicy and AuthorizationPolicy admit them), and its Service, which Flagger calls. Every field
 * not given is the Flagger docs' install (`helm upgrade -i flagger-loadtester flagger/loadtester --namespace=test`,
 * {@link LoadTesterInstall.helmChart}).
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

/** Options for {@link LoadTesterInstall.helmChart}. */
export interface LoadTesterHelmChartOptions {
  /** The Helm release's name (`helm upgrade -i <release> flagger/loadtester`). */
  readonly release: string;
  /** The release's namespace. */
  readonly namespace: string;
  /** Whether the pods run an Istio sidecar (their namespace has injection on). */
  readonly meshed: boolean;
  /**
   * The chart's `serviceAccountName` (or, with `rbac.create`, the release's fullname).
   * @default 'default' - the chart's default: no ServiceAccount of its own
   */
  readonly serviceAccount?: string;
}

/**
 * How Flagger's load tester was installed, as its props. Every field of {@link LoadTesterPlatformProps} is set.
 */
export class LoadTesterInstall implements Required<LoadTesterPlatformProps> {
  /**
   * The `flagger/loadtester` Helm chart: Deployment and Service `<fullname>` (the release when it contains
   * `loadtester`, else `<release>-loadtester`), pods labelled `app: loadtester` (the Service's selector) and
   * `app.kubernetes.io/name: loadtester`, container port 8080 (`http`) behind the Service's port 80, the
   * namespace's `default` ServiceAccount unless told otherwise.
   * @see https://github.com/fluxcd/flagger/blob/main/charts/loadtester/templates/_helpers.tpl (loadtester.fullname)
   * @see https://github.com/fluxcd/flagger/blob/main/charts/loadtester/templates/deployment.yaml
   * @see https://github.com/fluxcd/flagger/blob/main/charts/loadtester/templates/service.yaml
   * @see https://github.com/fluxcd/flagger/blob/main/charts/loadtester/values.yaml (service.port 80, serviceAccountName)
   */
  public static helmChart(options: LoadTesterHelmChartOptions): LoadTesterInstall {
    const where = 'LoadTesterInstall.helmChart';
    const release = checkedName(where, 'release', options.release);
    const namespace = checkedName(where, 'namespace', options.namespace);
    const serviceAccount = checkedName(where, 'serviceAccount', options.serviceAccount ?? 'default');
    return new LoadTesterInstall({
      installedBy: `the flagger/loadtester Helm chart, release ${release}`,
      namespace, serviceName: helmFullname(release, 'loadtester', 63),
      podLabels: { 'app': 'loadtester', 'app.kubernetes.io/name': 'loadtester' }, serviceSelector: { app: 'loadtester' },
      serviceAccount, port: 80, targetPort: 8080, meshed: options.meshed,
    });
  }

  /** What installed the load tester. */
  public readonly installedBy: string;
  /** The load tester's namespace. */
  public readonly namespace: string;
  /** The load tester's Service. */
  public readonly serviceName: string;
  /** The load tester pods' labels. */
  public readonly podLabels: Readonly<Record<string, string>>;
  /** The selector of the load tester's Service. */
  public readonly serviceSelector: Readonly<Record<string, string>>;
  /** The load tester pods' ServiceAccount. */
  public readonly serviceAccount: string;
  /** The Service's port. */
  public readonly port: number;
  /** The pods' port. */
  public readonly targetPort: number;
  /** Whether the pods run an Istio sidecar. */
  public readonly meshed: boolean;

  private constructor(p: Required<LoadTesterPlatformProps>) {
    this.installedBy = p.installedBy;
    this.namespace = p.namespace;
    this.serviceName = p.serviceName;
    this.podLabels = p.podLabels;
    this.serviceSelector = p.serviceSelector;
    this.serviceAccount = p.serviceAccount;
    this.port = p.port;
    this.targetPort = p.targetPort;
    this.meshed = p.meshed;
  }
}

/** The Flagger docs' install, which the platform assumes unless told otherwise. */
export const DOCS_LOAD_TESTER = (): LoadTesterInstall =>
  LoadTesterInstall.helmChart({ release: 'flagger-loadtester', namespace: 'test', meshed: true });
