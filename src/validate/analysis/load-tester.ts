/**
 * A Flagger Canary whose load test the released service refuses: the webhook asks Flagger's load tester to send
 * requests to the canary, and the service's NetworkPolicy or AuthorizationPolicy refuses the load tester's pods.
 */
import { Codes } from '../../core/codes';
import type { FlowWorkload } from '../../core/flow';
import { recordedPlatforms } from '../../platform/platform-record';
import { Finding, finding, Manifest } from '../finding';
import { FlowEvaluator } from '../flow/evaluate';
import { list } from '../values';
import { AnalysisCheck } from './check';
import { namespaceOf } from './view';

/** The methods `hey -m` takes (rakyll/hey hey.go usage). */
const HEY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'DELETE']);

/** The load tester a webhook URL names: a host whose Service name holds the chart's name, `loadtester`. */
interface Tester {
  readonly service: string;
  readonly namespace: string;
}

/**
 * The load tester `url` addresses, if any: `http://<service>[.<namespace>[.svc...]][:port]/` where the Service's name holds
 * `loadtester`, as every release of the flagger/loadtester chart's does unless its fullname is overridden
 * (charts/loadtester/templates/_helpers.tpl `loadtester.fullname`).
 */
function testerOf(url: unknown, canaryNamespace: string): Tester | undefined {
  if (typeof url !== 'string' || !URL.canParse(url)) return undefined;
  const [service, namespace] = new URL(url).hostname.split('.');
  return service?.includes('loadtester') ? { service, namespace: namespace || canaryNamespace } : undefined;
}

/** The request a `hey` command sends: its URL (the last http(s) argument) and `-m` method. */
function heyRequest(cmd: unknown): { url: URL; method: string } | undefined {
  if (typeof cmd !== 'string' || !/(^|\s)hey\s/.test(cmd)) return undefined;
  const words = cmd.split(/\s+/).map((w) => w.replace(/^['"]|['"]$/g, ''));
  const url = words.filter((w) => /^https?:\/\//.test(w) && URL.canParse(w)).pop();
  const m = words.indexOf('-m');
  const method = m >= 0 ? String(words[m + 1] ?? '').toUpperCase() : 'GET';
  return url && HEY_METHODS.has(method) ? { url: new URL(url), method } : undefined;
}

/**
 * The load tester's pods as a flow's source: the platform's recorded on a Namespace of the manifests when the webhook
 * addresses its Service, else the flagger/loadtester chart's (pods labelled `app: loadtester`,
 * `app.kubernetes.io/name: loadtester`, the namespace's `default` ServiceAccount, meshed as in Flagger's Istio tutorial).
 */
function testerPods(t: Tester, recorded: readonly FlowWorkload[]): FlowWorkload {
  return recorded.find((w) => w.name === t.service && w.namespace === t.namespace) ?? {
    name: t.service, namespace: t.namespace, labels: { 'app': 'loadtester', 'app.kubernetes.io/name': 'loadtester' },
    serviceAccount: 'default', meshed: true,
  };
}

/**
 * MESH316 (warning): a Flagger Canary's webhook to Flagger's load tester runs `hey` against a Service of the manifests,
 * and the flow from the load tester's pods there is refused (the target's NetworkPolicy, AuthorizationPolicy, mTLS...).
 * The load test then sends the canary nothing: Flagger's metric queries find "no values found", each counts as a failed
 * check, and after `threshold` of them Flagger rolls the release back (fluxcd/flagger pkg/controller/scheduler.go,
 * `runAnalysis`); a `FlaggerCanary`'s `loadTest` admits the load tester.
 * @see https://docs.flagger.app/usage/webhooks#load-testing
 */
export const flaggerLoadTesterRefused: AnalysisCheck = {
  code: Codes.FLAGGER_LOAD_TESTER_REFUSED,
  title: "a Flagger Canary's load test that the target's policies refuse",
  run(index) {
    const tests: { canary: Manifest; field: string; tester: Tester; url: URL; method: string }[] = [];
    for (const canary of index.ofKind('Canary')) {
      if (!String(canary.apiVersion ?? '').startsWith('flagger.app/')) continue;
      list(canary.spec?.analysis?.webhooks).forEach((w: Manifest, i: number) => {
        const tester = testerOf(w?.url, namespaceOf(canary));
        const request = tester && heyRequest(w?.metadata?.cmd);
        if (tester && request) tests.push({ canary, field: `spec.analysis.webhooks[${i}].metadata.cmd`, tester, ...request });
      });
    }
    if (tests.length === 0) return [];
    const records = recordedPlatforms(index.ofKind('Namespace')).recorded;
    const recorded = records.map((r) => r.platform.loadTesterWorkload());
    const trustDomain = records[0]?.platform.trustDomain;
    const platform = tests.map((t) => testerPods(t.tester, recorded));
    const evaluator = FlowEvaluator.over(index.model, { ...(trustDomain ? { trustDomain } : {}), platform });
    const running = index.model.running();
    const out: Finding[] = [];
    for (const t of tests) {
      const source = testerPods(t.tester, recorded);
      const port = Number(t.url.port || (t.url.protocol === 'https:' ? 443 : 80));
      // Only a Service of the manifests (or one Flagger writes for them, `-canary`): another team's or the Internet's is theirs to admit.
      const host = fqdn(t.url.hostname, namespaceOf(t.canary));
      if (!running.services.get(host)) continue;
      const verdict = evaluator.evaluate({ source: { platform: source }, host, port, method: t.method as 'GET', path: t.url.pathname || '/' });
      if (verdict.allowed) continue;
      out.push(finding(Codes.FLAGGER_LOAD_TESTER_REFUSED, t.canary, t.field,
        `the load tester ${source.namespace}/${source.name} sends ${t.method} ${t.url.pathname} to ${host}:${port}, and ${verdict.reason}:`
        + ' the canary gets no load, Flagger finds no values for its metrics and rolls the release back; admit the load tester'
        + ' (FlaggerCanary loadTest) or load-test through a path that admits it', 'warning'));
    }
    return out;
  },
};

/** `host` as a cluster name: `<service>.<namespace>.svc.cluster.local` for a short or namespaced name. */
function fqdn(host: string, namespace: string): string {
  const parts = host.split('.');
  if (parts.length === 1) return `${host}.${namespace}.svc.cluster.local`;
  if (parts.length === 2) return `${host}.svc.cluster.local`;
  if (parts.length === 3 && parts[2] === 'svc') return `${host}.cluster.local`;
  return host;
}
