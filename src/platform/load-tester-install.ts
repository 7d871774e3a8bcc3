/**
 * The preset of Flagger's load tester: its Helm chart as the docs install it (./load-tester.ts has its props).
 * @see https://docs.flagger.app/usage/webhooks#load-testing
 */
import type { LoadTesterPlatformProps } from './load-tester';
import { checkedName, helmFullname } from './presets';

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
