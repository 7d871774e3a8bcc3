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
import { AnalysisView, namespaceOf } from './view';

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

/** A request a load-test command sends: the host it dials (as written), port, method and path; over gRPC for ghz. */
export interface LoadTestRequest {
  readonly host: string;
  readonly port: number;
  readonly method: string;
  readonly path: string;
  readonly grpc: boolean;
}

/**
 * The simple commands of a command line as `sh -c` reads them (the load tester runs each command so: fluxcd/flagger
 * pkg/loadtester/task_shell.go), each as its words with quotes and backslashes removed, split at the unquoted `;`, `&` and
 * `|` that separate them (`&&`, `||` and pipes alike). No expansion is made.
 */
export function shellCommands(cmd: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i];
    if (quote === "'") {
      if (c === "'") quote = undefined; else word += c;
    } else if (quote === '"') {
      // Inside double quotes a backslash escapes only $ ` " \ and a newline (POSIX sh, 2.2.3).
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < cmd.length && '$`"\\\n'.includes(cmd[i + 1])) word += cmd[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < cmd.length) {
      word += cmd[++i];
      inWord = true;
    } else if (c === ';' || c === '&' || c === '|' || c === '\n') {
      endWord();
      if (words.length > 0) commands.push(words);
      words = [];
    } else if (/\s/.test(c)) {
      endWord();
    } else {
      word += c;
      inWord = true;
    }
  }
  endWord();
  if (words.length > 0) commands.push(words);
  return commands;
}

/** The request a `hey` command sends: its URL (the last http(s) argument) and `-m` method. */
function heyRequests(words: string[]): LoadTestRequest[] | undefined {
  const url = words.filter((w) => /^https?:\/\//.test(w) && URL.canParse(w)).pop();
  const m = words.indexOf('-m');
  const method = m >= 0 ? String(words[m + 1] ?? '').toUpperCase() : 'GET';
  if (!url || !HEY_METHODS.has(method)) return undefined;
  const u = new URL(url);
  return [{ host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)), method, path: u.pathname || '/', grpc: false }];
}

/**
 * ghz's flags that take no value (cmd/ghz/main.go, `Bool()` flags; kingpin also reads `--no-<flag>`), long and short; every
 * other flag takes one, `--flag=value`, `--flag value`, `-f value` or `-fvalue` (alecthomas/kingpin parser.go: a short flag
 * that takes a value takes the rest of its word, so `-call` is `-c all`, not `--call`).
 */
const GHZ_BOOL_FLAGS = new Set([
  'skipTLS', 'insecure', 'async', 'binary', 'stream-dynamic-messages', 'count-errors', 'enable-compression',
  'disable-template-functions', 'disable-template-data', 'help', 'version',
]);
const GHZ_BOOL_SHORT = new Set(['b', 'e', 'h', 'v']);

/**
 * The server reflection ghz asks a method's description of when given no `--proto` or `--protoset`: v1 first
 * (bojand/ghz runner/requester.go, `grpcreflect.NewClientAuto`, which falls back to v1alpha only on Unimplemented).
 */
const GHZ_REFLECTION = '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo';

/**
 * The requests a `ghz` command sends: POSTs of `--call`'s path (`package.Service/Method` or `package.Service.Method`, a leading
 * dot dropped: ghz protodesc/protodesc.go `parseServiceMethod`) to its `host:port` argument (`kingpin.Arg("host")`), preceded
 * by the reflection request without a proto file. A command ghz cannot run as written (a `--config` file, no call, no port)
 * gives none.
 */
function ghzRequests(words: string[]): LoadTestRequest[] | undefined {
  const values = new Map<string, string>();
  const args: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (w === '--') {
      args.push(...words.slice(i + 1));
      break;
    }
    if (w.startsWith('--')) {
      const eq = w.indexOf('=');
      const name = eq >= 0 ? w.slice(2, eq) : w.slice(2);
      if (eq >= 0) values.set(name, w.slice(eq + 1));
      else if (!GHZ_BOOL_FLAGS.has(name) && !(name.startsWith('no-') && GHZ_BOOL_FLAGS.has(name.slice(3)))) values.set(name, words[++i] ?? '');
    } else if (w.startsWith('-') && w.length > 1) {
      // Short flags: bool ones may be grouped (-be); the first that takes a value takes the rest of the word, or the next word.
      for (let k = 1; k < w.length; k++) {
        if (GHZ_BOOL_SHORT.has(w[k])) continue;
        values.set(`-${w[k]}`, k + 1 < w.length ? w.slice(k + 1) : words[++i] ?? '');
        break;
      }
    } else {
      args.push(w);
    }
  }
  const call = values.get('call');
  if (values.has('config') || call === undefined || args.length !== 1) return undefined;
  const method = call.startsWith('.') ? call.slice(1) : call;
  const slashes = method.split('/').length - 1;
  const dot = method.lastIndexOf('.');
  const path = slashes === 1 ? `/${method}` : slashes === 0 && dot > 0 ? `/${method.slice(0, dot)}/${method.slice(dot + 1)}` : undefined;
  const address = /^(?:dns:\/\/\/)?([^/:]+):(\d+)$/.exec(args[0]);
  if (!path || !address) return undefined;
  const reflection = values.has('proto') || values.has('protoset') ? [] : [GHZ_REFLECTION];
  return [...reflection, path].map((p) => ({ host: address[1], port: Number(address[2]), method: 'POST', path: p, grpc: true }));
}

/** How an option of a wrapper takes its value: none, a required one (`-k 5`, `-k5`, `--opt=5`, `--opt 5`), an optional one (`--opt=5` only). */
type OptionArg = 'none' | 'required' | 'optional';

/**
 * A wrapper's options as GNU getopt_long reads them with a `+` option string (stop at the first operand): short options,
 * grouped or not, a required value in the rest of the word or the next word; long options by any unambiguous prefix; `--`
 * ends them. The operands after them, or undefined for an option the wrapper does not know (the command is then not read).
 */
function afterOptions(words: string[], short: Record<string, OptionArg>, long: Record<string, OptionArg>): string[] | undefined {
  let i = 0;
  for (; i < words.length; i++) {
    const w = words[i];
    if (w === '--') return words.slice(i + 1);
    if (!w.startsWith('-') || w === '-') break;
    if (w.startsWith('--')) {
      const eq = w.indexOf('=');
      const given = eq >= 0 ? w.slice(2, eq) : w.slice(2);
      const names = Object.keys(long).filter((n) => n === given || n.startsWith(given));
      const name = names.includes(given) ? given : names.length === 1 ? names[0] : undefined;
      if (name === undefined) return undefined;
      if (long[name] === 'none' && eq >= 0) return undefined;
      if (long[name] === 'required' && eq < 0 && ++i >= words.length) return undefined;
      continue;
    }
    for (let k = 1; k < w.length; k++) {
      const arg = short[w[k]];
      if (arg === undefined) return undefined;
      if (arg === 'none') continue;
      if (k + 1 === w.length && ++i >= words.length) return undefined;
      break;
    }
  }
  return words.slice(i);
}

/** A duration as coreutils' timeout takes it: a floating-point number with an optional unit, s, m, h or d. */
const TIMEOUT_DURATION = /^(?:\d+\.?\d*|\.\d+)[smhd]?$/;

/**
 * The command a wrapper runs, its program first: `timeout [OPTION] DURATION COMMAND...`, `nice [OPTION] COMMAND...`,
 * `env [OPTION]... [-] [NAME=VALUE]... COMMAND...` (coreutils' usages and getopt_long options: timeout.c `+k:s:v`,
 * `--foreground`, `--preserve-status`; nice.c `+n:` and the obsolete `-N`; env.c `+a:C:iS:u:v0`, `--block-signal[=SIG]` and
 * its kin), the shell's `exec [command]` and `time [-p] command` (POSIX sh, 2.14 and time), each after the variable
 * assignments sh reads before a command's name (POSIX sh, 2.9.1). The words themselves when the program is none of them;
 * undefined when a wrapper's command cannot be read (an unknown option, `env -S`'s split string, no command).
 */
export function wrappedCommand(words: string[]): string[] | undefined {
  let rest = words;
  for (;;) {
    const assignments = rest.findIndex((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
    if (assignments < 0) return undefined;
    rest = rest.slice(assignments);
    const program = rest[0].split('/').pop();
    let next: string[] | undefined;
    if (program === 'timeout') {
      next = afterOptions(rest.slice(1), { k: 'required', s: 'required', v: 'none' },
        { 'kill-after': 'required', 'signal': 'required', 'foreground': 'none', 'preserve-status': 'none', 'verbose': 'none' });
      next = next && TIMEOUT_DURATION.test(next[0] ?? '') ? next.slice(1) : undefined;
    } else if (program === 'nice') {
      // `nice -10 cmd`: the obsolete adjustment, read before the options (nice.c).
      const args = /^-[-+]?\d+$/.test(rest[1] ?? '') ? rest.slice(2) : rest.slice(1);
      next = afterOptions(args, { n: 'required' }, { adjustment: 'required' });
    } else if (program === 'env') {
      next = afterOptions(rest.slice(1), { a: 'required', C: 'required', i: 'none', u: 'required', v: 'none', 0: 'none' }, {
        'argv0': 'required', 'chdir': 'required', 'ignore-environment': 'none', 'unset': 'required', 'debug': 'none', 'null': 'none',
        'block-signal': 'optional', 'default-signal': 'optional', 'ignore-signal': 'optional',
      });
      if (next?.[0] === '-') next = next.slice(1);
    } else if (program === 'exec' && rest[0] === 'exec') {
      next = rest[1] === '--' ? rest.slice(2) : rest.slice(1);
    } else if (program === 'time' && rest[0] === 'time') {
      next = afterOptions(rest.slice(1), { p: 'none' }, {});
    } else {
      return rest;
    }
    if (!next || next.length === 0) return undefined;
    rest = next;
  }
}

/**
 * The requests a load-test command line sends: those of each `hey` and `ghz` command in it, run as is or by a wrapper
 * (`timeout 60 hey ...`); `complete` when every command of it is one whose target could be read (no other command, such
 * as a `curl`, may then call anything else).
 */
export function commandRequests(cmd: unknown): { requests: LoadTestRequest[]; complete: boolean } {
  if (typeof cmd !== 'string') return { requests: [], complete: false };
  const requests: LoadTestRequest[] = [];
  let complete = true;
  for (const line of shellCommands(cmd)) {
    const words = wrappedCommand(line);
    // The program by its name on the PATH, or by its path (`/usr/local/bin/ghz`).
    const program = words?.[0].split('/').pop();
    const found = !words ? undefined : program === 'hey' ? heyRequests(words) : program === 'ghz' ? ghzRequests(words) : undefined;
    if (found) requests.push(...found); else complete = false;
  }
  return { requests, complete };
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
 * MESH316 (warning): a Flagger Canary's webhook to Flagger's load tester runs `hey` or `ghz` against a Service of the manifests,
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
    const { webhooks, trustDomain } = loadTesterWebhooks(index);
    if (webhooks.length === 0) return [];
    const evaluator = FlowEvaluator.over(index.model, { ...(trustDomain ? { trustDomain } : {}), platform: webhooks.map((w) => w.tester) });
    const running = index.model.running();
    const out: Finding[] = [];
    for (const w of webhooks) {
      const source = w.tester;
      for (const r of w.requests) {
        // Only a Service of the manifests (or one Flagger writes for them, `-canary`): another team's or the Internet's is theirs to admit.
        const host = fqdn(r.host, namespaceOf(w.canary));
        if (!running.services.get(host)) continue;
        const verdict = evaluator.evaluate({
          source: { platform: source }, host, port: r.port, method: r.method as 'GET', path: r.path, ...(r.grpc ? { protocol: 'GRPC' as const } : {}),
        });
        if (verdict.allowed) continue;
        out.push(finding(Codes.FLAGGER_LOAD_TESTER_REFUSED, w.canary, w.field,
          `the load tester ${source.namespace}/${source.name} sends ${r.method} ${r.path} to ${host}:${r.port}, and ${verdict.reason}:`
          + ' the canary gets no load, Flagger finds no values for its metrics and rolls the release back; admit the load tester'
          + ' (FlaggerCanary loadTest) or load-test through a path that admits it', 'warning'));
        // One finding per webhook: its first refused request (ghz's reflection comes before its call).
        break;
      }
    }
    return out;
  },
};

/** A Flagger Canary's webhook to a load tester: the tester's pods, and the requests its command sends (`complete`: all of them). */
export interface LoadTesterWebhook {
  readonly canary: Manifest;
  /** The webhook's command, as a finding's field. */
  readonly field: string;
  readonly tester: FlowWorkload;
  readonly requests: readonly LoadTestRequest[];
  readonly complete: boolean;
}

/** Every Flagger Canary's webhook to a load tester, and the trust domain the platform record gives, if any. */
export function loadTesterWebhooks(index: AnalysisView): { webhooks: LoadTesterWebhook[]; trustDomain?: string } {
  const found: { canary: Manifest; field: string; tester: Tester; cmd: unknown }[] = [];
  for (const canary of index.ofKind('Canary')) {
    if (!String(canary.apiVersion ?? '').startsWith('flagger.app/')) continue;
    list(canary.spec?.analysis?.webhooks).forEach((w: Manifest, i: number) => {
      const tester = testerOf(w?.url, namespaceOf(canary));
      if (tester) found.push({ canary, field: `spec.analysis.webhooks[${i}].metadata.cmd`, tester, cmd: w?.metadata?.cmd });
    });
  }
  if (found.length === 0) return { webhooks: [] };
  const records = recordedPlatforms(index.ofKind('Namespace')).recorded;
  const recorded = records.map((r) => r.platform.loadTesterWorkload());
  const trustDomain = records[0]?.platform.trustDomain;
  const webhooks = found.map((f) => ({ canary: f.canary, field: f.field, tester: testerPods(f.tester, recorded), ...commandRequests(f.cmd) }));
  return { webhooks, ...(trustDomain ? { trustDomain } : {}) };
}

/** `host` as a cluster name: `<service>.<namespace>.svc.cluster.local` for a short or namespaced name. */
export function fqdn(host: string, namespace: string): string {
  const parts = host.split('.');
  if (parts.length === 1) return `${host}.${namespace}.svc.cluster.local`;
  if (parts.length === 2) return `${host}.svc.cluster.local`;
  if (parts.length === 3 && parts[2] === 'svc') return `${host}.cluster.local`;
  return host;
}
