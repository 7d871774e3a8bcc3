/**
 * MESH246, MESH247: a probe or a scrape of an image's management server whose endpoint is off. Keycloak's management interface
 * (port 9000) serves /health only with `health-enabled` and /metrics only with `metrics-enabled`, build-time options whose
 * default is false (keycloak/keycloak quarkus/config-api HealthOptions, MetricsOptions), and listens at all only where one of
 * them is on ("The management interface is turned on when something is exposed on it":
 * https://www.keycloak.org/server/management-interface). A probe there then fails at every period: a readiness or startup probe
 * keeps the pod out of its Service for ever, a liveness probe restarts it. A scrape finds nothing.
 */
import { Codes } from '../../core/codes';
import { parseImageReference } from '../../core/image-reference';
import { ImageManagement, ManagementEndpoint, officialImage, OfficialImage } from '../../core/official-images';
import { Finding, finding, podTemplate, podTemplateField } from '../finding';
import { AnalysisCheck } from './check';
import { overlaps, PodContainer, podContainers, runsServer, trimSlash } from './images';
import { AnalysisView } from './view';

/** A container that runs a known image's server with its management server's endpoints as the manifests say. */
interface ManagedContainer extends PodContainer {
  readonly image: OfficialImage;
  readonly management: ImageManagement;
  /** Whether each endpoint (by path) is on. */
  readonly on: ReadonlyMap<string, boolean>;
}

/**
 * An option's value as the container gives it, last given wins: `--x=v` or `--x v` among the arguments, else the env variable's
 * literal value; `null` where it is not known (the variable from a ConfigMap, a Secret or the downward API).
 */
function optionValue(container: Record<string, any>, e: ManagementEndpoint): string | null | undefined {
  const args: unknown[] = Array.isArray(container.args) ? container.args : [];
  let fromArgs: string | undefined;
  args.forEach((a, i) => {
    if (a === e.option) fromArgs = typeof args[i + 1] === 'string' && !(args[i + 1] as string).startsWith('-') ? args[i + 1] as string : 'true';
    else if (typeof a === 'string' && a.startsWith(`${e.option}=`)) fromArgs = a.slice(e.option.length + 1);
  });
  if (fromArgs !== undefined) return fromArgs;
  const env = (Array.isArray(container.env) ? container.env : []).filter((v: any) => v?.name === e.env).pop();
  if (!env) return undefined;
  return typeof env.value === 'string' ? env.value : null;
}

/** True if nothing but the options the check reads configures the management server: no configuration of its own. */
function knownConfiguration(c: PodContainer, m: ImageManagement): boolean {
  if (Array.isArray(c.container.envFrom) && c.container.envFrom.length > 0) return false;
  const env: any[] = Array.isArray(c.container.env) ? c.container.env : [];
  if (env.some((e) => typeof e?.name !== 'string' || m.unknownWith.includes(e.name))) return false;
  const args: unknown[] = Array.isArray(c.container.args) ? c.container.args : [];
  if (args.some((a) => typeof a !== 'string' || m.unknownArgs.some((o) => a === o || a.startsWith(`${o}=`)))) return false;
  return (Array.isArray(c.container.volumeMounts) ? c.container.volumeMounts : [])
    .every((v: any) => typeof v?.mountPath === 'string' && !overlaps(trimSlash(v.mountPath), m.configDirectory));
}

/** The containers of `index` that run a known image's server whose management endpoints the manifests decide. */
function managedContainers(index: AnalysisView): ManagedContainer[] {
  const out: ManagedContainer[] = [];
  for (const c of podContainers(index)) {
    if (typeof c.container.image !== 'string') continue;
    const parsed = parseImageReference(c.container.image);
    const image = parsed.error === undefined ? officialImage(parsed.reference) : undefined;
    const management = image?.management;
    if (!image || !management || !runsServer(c.container, image) || !knownConfiguration(c, management)) continue;
    const values = management.endpoints.map((e) => optionValue(c.container, e));
    if (values.includes(null)) continue;
    const on = new Map(management.endpoints.map((e, i) => [e.path, values[i]?.toLowerCase() === 'true']));
    out.push({ ...c, image, management, on });
  }
  return out;
}

/** The endpoint of `m` that `path` asks (itself or below it), if any. */
function endpointOf(m: ImageManagement, path: string): ManagementEndpoint | undefined {
  return m.endpoints.find((e) => path === e.path || path.startsWith(`${e.path}/`) || path.startsWith(`${e.path}?`));
}

/** The container port `port` names: a number, or the name of one of the container's ports. */
function portNumber(c: PodContainer, port: unknown): number | undefined {
  if (typeof port === 'number') return port;
  if (typeof port === 'string' && /^\d+$/.test(port)) return Number(port);
  const named = (Array.isArray(c.container.ports) ? c.container.ports : []).find((p: any) => p?.name === port);
  return typeof named?.containerPort === 'number' ? named.containerPort : undefined;
}

const enable = (e: ManagementEndpoint) => `${e.env}=true (or ${e.option}=true)`;

/** MESH246: a probe of a container's management port on an endpoint that is off, or on a management server that is off. */
export const managementProbeDisabled: AnalysisCheck = {
  code: Codes.MANAGEMENT_PROBE_DISABLED,
  title: "a probe of an image's management endpoint that is off",
  run(index: AnalysisView) {
    const out: Finding[] = [];
    for (const c of managedContainers(index)) {
      const m = c.management;
      for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
        const probe = c.container[kind];
        if (!probe || typeof probe !== 'object') continue;
        const http = probe.httpGet;
        const tcp = probe.tcpSocket;
        if (portNumber(c, (http ?? tcp)?.port) !== m.port) continue;
        const name = String(c.container.name);
        const what = kind === 'livenessProbe' ? 'the kubelet restarts the container for ever' : 'the pod never becomes ready';
        if (http) {
          const path = typeof http.path === 'string' ? http.path : '/';
          const e = endpointOf(m, path);
          if (!e || c.on.get(e.path)) continue;
          out.push(finding(Codes.MANAGEMENT_PROBE_DISABLED, c.manifest, `${c.field}.${kind}.httpGet`,
            `container '${name}' runs ${String(c.container.image)}, whose ${kind} asks ${path} on its management port ${m.port}, but its `
            + `${e.what} are off (${e.env} is not true; ${m.source}): the probe fails at every period and ${what}; set ${enable(e)}`));
        } else if (tcp && ![...c.on.values()].some((v) => v)) {
          out.push(finding(Codes.MANAGEMENT_PROBE_DISABLED, c.manifest, `${c.field}.${kind}.tcpSocket`,
            `container '${name}' runs ${String(c.container.image)}, whose ${kind} connects to its management port ${m.port}, which listens `
            + `only where an endpoint of it is on, and none is (${m.endpoints.map((e) => e.env).join(', ')}; ${m.source}): the probe `
            + `fails at every period and ${what}; set ${m.endpoints.map(enable).join(' or ')}`));
        }
      }
    }
    return out;
  },
};

/** MESH247 (warning): a pod's `prometheus.io` scrape of a container's management port whose metrics endpoint is off. */
export const managementScrapeDisabled: AnalysisCheck = {
  code: Codes.MANAGEMENT_SCRAPE_DISABLED,
  title: "a scrape of an image's management endpoint that is off",
  run(index: AnalysisView) {
    const out: Finding[] = [];
    for (const c of managedContainers(index)) {
      const m = c.management;
      const annotations: Record<string, unknown> = podTemplate(c.manifest)?.metadata?.annotations ?? {};
      if (annotations['prometheus.io/scrape'] !== 'true' || Number(annotations['prometheus.io/port']) !== m.port) continue;
      const path = typeof annotations['prometheus.io/path'] === 'string' ? annotations['prometheus.io/path'] : '/metrics';
      const e = endpointOf(m, path);
      if (!e || c.on.get(e.path)) continue;
      const template = podTemplateField(c.manifest);
      out.push(finding(Codes.MANAGEMENT_SCRAPE_DISABLED, c.manifest,
        `${template ? `${template}.` : ''}metadata.annotations.prometheus.io/port`,
        `the pod's prometheus.io annotations scrape ${path} on port ${m.port}, the management port of container '${String(c.container.name)}' `
        + `(${String(c.container.image)}), whose ${e.what} are off (${e.env} is not true; ${m.source}): the scrape finds nothing and its `
        + `own metrics are missing; set ${enable(e)}`, 'warning'));
    }
    return out;
  },
};
