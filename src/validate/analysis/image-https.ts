/**
 * MESH249: a Service port declared plaintext HTTP (http, http2, grpc) in front of Elasticsearch 8's HTTP port, which serves HTTPS
 * from the node's first start. Elasticsearch 8 configures its security itself when it first starts (docker.elastic.co's image and
 * docker.io's official one alike): it generates TLS certificates for its transport and HTTP layers and writes
 * `xpack.security.http.ssl.enabled: true` to elasticsearch.yml ([Automatic security setup](https://www.elastic.co/docs/deploy-manage/security/self-auto-setup)),
 * unless security or TLS is already configured, the node is set up to form or join a multi-node cluster, or it cannot become
 * master or hold data (elastic/elasticsearch x-pack/plugin/security/cli AutoConfigureNode.java, checkExistingConfiguration,
 * isInitialClusterNode). Istio's sidecar terminates the callers' mTLS and forwards their plaintext HTTP to the pod's port
 * ([protocol selection](https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/)), which
 * Elasticsearch then refuses ("received plaintext http traffic on an https channel, closing connection"): every call fails.
 * The check reads the settings the container gives as environment variables (the image's entrypoint passes a variable whose name
 * has a dot, or `ES_SETTING_*`, as a setting); a container whose settings it cannot read (`envFrom`, a value from a ConfigMap or
 * Secret, a volume of other files at its configuration directory) is left alone.
 */
import { Codes } from '../../core/codes';
import { parseImageReference } from '../../core/image-reference';
import { officialImage } from '../../core/official-images';
import { Finding, finding } from '../finding';
import { AnalysisCheck } from './check';
import { overlaps, PodContainer, podContainers, runsServer, trimSlash } from './images';
import { AnalysisView } from './view';

/** Elasticsearch's HTTP port (http.port's default). */
const ES_HTTP_PORT = 9200;
const ES_CONFIG = '/usr/share/elasticsearch/config';

/**
 * A setting's name as the image's entrypoint reads an env variable: `xpack.security.enabled` as it is, `ES_SETTING_XPACK_SECURITY_ENABLED`
 * with `_` for `.` and `__` for `_` (elastic/elasticsearch distribution/docker/src/docker/bin/docker-entrypoint.sh; the server's
 * EnvironmentAwareCommand).
 */
function settingOf(env: string): string | undefined {
  if (env.includes('.')) return env;
  if (!env.startsWith('ES_SETTING_')) return undefined;
  return env.slice('ES_SETTING_'.length).split('__').map((part) => part.replace(/_/g, '.')).join('_').toLowerCase();
}

/** Settings that make the first start skip the security auto-configuration (AutoConfigureNode.checkExistingConfiguration). */
const SKIPS = (s: string) => s === 'xpack.security.enabled' || s.startsWith('xpack.security.http.ssl.')
  || s.startsWith('xpack.security.transport.ssl.') || s === 'discovery.seed_hosts' || s === 'cluster.initial_master_nodes'
  || s === 'discovery.seed_providers' || s === 'node.roles' || s === 'xpack.security.autoconfiguration.enabled';

/** True if the container runs Elasticsearch 8 or later as its image's configuration and its env settings leave HTTPS on. */
function servesHttps(c: PodContainer): boolean {
  if (typeof c.container.image !== 'string') return false;
  const parsed = parseImageReference(c.container.image);
  if (parsed.error !== undefined) return false;
  const image = officialImage(parsed.reference);
  if (image?.name !== 'elasticsearch' || !runsServer(c.container, image)) return false;
  const major = Number(/^(\d+)\./.exec(parsed.reference.tag ?? '')?.[1]);
  if (!(major >= 8)) return false;
  if (Array.isArray(c.container.envFrom) && c.container.envFrom.length > 0) return false;
  for (const e of Array.isArray(c.container.env) ? c.container.env : []) {
    const s = typeof e?.name === 'string' ? settingOf(e.name) : undefined;
    if (s === undefined) continue;
    if (typeof e.value !== 'string') return false;
    if (s === 'discovery.type' && e.value === 'single-node') continue;
    if (SKIPS(s)) return false;
  }
  // A volume at the configuration directory other than an emptyDir (filled from the image) brings an elasticsearch.yml of its own.
  const emptyDirs = new Set((Array.isArray(c.spec.volumes) ? c.spec.volumes : []).filter((v: any) => v?.emptyDir).map((v: any) => v.name));
  return (Array.isArray(c.container.volumeMounts) ? c.container.volumeMounts : [])
    .every((v: any) => typeof v?.mountPath === 'string' && (!overlaps(trimSlash(v.mountPath), ES_CONFIG) || emptyDirs.has(v.name)));
}

/** The protocol Istio reads a Service port as: its `appProtocol`, else its name's prefix. */
const protocolOf = (p: Record<string, any>) => String(p.appProtocol ?? String(p.name ?? '').split('-')[0]).toLowerCase();
const PLAINTEXT = new Set(['http', 'http2', 'grpc', 'grpc-web', 'h2c']);

/** MESH249: a Service port read as plaintext HTTP that targets Elasticsearch 8's HTTPS port. */
export const httpsServedAsHttp: AnalysisCheck = {
  code: Codes.IMAGE_SERVES_HTTPS,
  title: 'a Service port declared HTTP in front of a server that speaks HTTPS',
  run(index: AnalysisView) {
    const out: Finding[] = [];
    const reported = new Set<string>();
    for (const c of podContainers(index)) {
      if (!servesHttps(c)) continue;
      const workload = index.model.workloads.find((w) => w.manifest === c.manifest);
      if (!workload) continue;
      const named = (Array.isArray(c.container.ports) ? c.container.ports : [])
        .filter((p: any) => p?.containerPort === ES_HTTP_PORT).map((p: any) => p.name);
      for (const svc of index.servicesSelecting(workload)) {
        (Array.isArray(svc.spec?.ports) ? svc.spec.ports : []).forEach((p: any, i: number) => {
          const target = p?.targetPort ?? p?.port;
          if (!(Number(target) === ES_HTTP_PORT || named.includes(target)) || !PLAINTEXT.has(protocolOf(p))) return;
          const key = `${svc.metadata?.namespace}/${svc.metadata?.name}/${i}`;
          if (reported.has(key)) return;
          reported.add(key);
          out.push(finding(Codes.IMAGE_SERVES_HTTPS, svc, `spec.ports[${i}].${p.appProtocol ? 'appProtocol' : 'name'}`,
            `port ${p.port} is declared ${protocolOf(p)} (${p.appProtocol ? `appProtocol ${p.appProtocol}` : `name ${p.name ?? 'none'}`}), but it `
            + `targets ${ES_HTTP_PORT} of container '${String(c.container.name)}' (${String(c.container.image)}), which serves HTTPS there from its `
            + 'first start: Elasticsearch 8 configures TLS for its HTTP layer itself (security auto-configuration, AutoConfigureNode), and '
            + 'refuses the plaintext HTTP the sidecar forwards ("received plaintext http traffic on an https channel"), so every call fails; '
            + 'set xpack.security.http.ssl.enabled=false (Istio\'s mTLS encrypts the connection) or declare the port https'));
        });
      }
    }
    return out;
  },
};
