/**
 * Reachability between pairs of workloads, without a request: can workload A reach
 * workload B at all (some port, some request)? Candidates come from indexes
 * (NetworkPolicy peers by selector, Sidecar hosts by name, a reverse index of
 * ingress peers), so a deny-by-default mesh costs time linear in its services and
 * declared calls, never one evaluation per ordered pair.
 */
import { Manifest } from '../finding';
import { policiesFor as authzPoliciesFor, stringMatches } from './authorization';
import { serviceHost } from '../model/hosts';
import { labelSelectorMatches } from '../model/selectors';
import { FlowCluster, FlowPod, nsOf } from './cluster';
import { SIDECAR_OWN_PORTS } from './evaluate';
import { FlowDecider, FlowLayer } from './flow';
import { mtlsMode } from './mtls';
import { networkPolicyDecision, NetworkDirection, policiesFor as npPoliciesFor } from './network-policy';
import { sidecarFor, egressHostCovers } from './sidecar';
import { list } from '../values';

/** Whether A can reach B, on which port, and what decides. */
export interface PairVerdict {
  readonly open: boolean;
  /**
   * The port found open, or the port whose refusal is reported.
   * @default - none, when the destination exposes no port
   */
  readonly port?: number;
  /**
   * The resource that decided: the refusing one, or the last one that admitted.
   * @default - none, when no resource is involved (no policy at all)
   */
  readonly decidedBy?: FlowDecider;
  /** One sentence: why. */
  readonly reason: string;
}

type PodSet = 'all' | Set<FlowPod>;

/** The pairs analysis over one cluster. */
export class PairAnalysis {
  private readonly ingressOpen = new Set<FlowPod>();
  private readonly ingressReverse = new Map<FlowPod, Set<FlowPod>>();
  private reverseBuilt = false;
  private readonly peerMemo = new WeakMap<Manifest, Map<string, FlowPod[]>>();

  public constructor(
    private readonly cluster: FlowCluster,
    private readonly candidatesOf: (p: FlowPod) => boolean,
  ) {}

  /** The pods `source` may reach through the layers that are indexes (NetworkPolicy egress, Sidecar hosts). */
  public candidates(source: FlowPod): FlowPod[] {
    const egress = this.peerSet(source, 'Egress');
    const sidecar = this.sidecarSet(source);
    let set: PodSet = egress === 'all' ? sidecar : sidecar === 'all' ? egress : new Set([...egress].filter((p) => sidecar.has(p)));
    if (set === 'all') {
      this.buildReverse();
      set = new Set([...this.ingressOpen, ...(this.ingressReverse.get(source) ?? [])]);
    }
    return [...set].filter((p) => p !== source && this.candidatesOf(p));
  }

  /** The pair's verdict: open if some port admits some request at every layer. */
  public verdict(a: FlowPod, b: FlowPod): PairVerdict {
    let first: PairVerdict | undefined;
    for (const port of this.portsOf(b)) {
      const v = this.onPort(a, b, port);
      if (v.open) return v;
      first ??= v;
    }
    return (
      first ?? {
        open: false,
        reason: `${b.name} exposes no port`,
        decidedBy: { layer: 'no endpoint', kind: String(b.kind), namespace: b.namespace, name: b.name },
      }
    );
  }

  /** The ports `b` listens on: its container ports (else its Services' target ports) and, if meshed, the proxy's own. */
  private portsOf(b: FlowPod): number[] {
    const ports = new Set<number>(b.portNumbers);
    if (ports.size === 0) {
      for (const s of this.servicesOf(b))
        for (const p of s.spec?.ports ?? [])
          if (typeof p.targetPort === 'number' || p.targetPort === undefined) ports.add(Number(p.targetPort ?? p.port));
    }
    if (b.meshed) for (const p of SIDECAR_OWN_PORTS) ports.add(p);
    return [...ports].sort((x, y) => x - y);
  }

  private servicesOf(b: FlowPod): Manifest[] {
    return this.cluster.servicesOf(b).map((s) => s.manifest);
  }

  private onPort(a: FlowPod, b: FlowPod, port: number): PairVerdict {
    const refuse = (layer: FlowLayer, m: Manifest | undefined, reason: string): PairVerdict => ({
      open: false,
      port,
      reason,
      decidedBy: dec(layer, m),
    });
    const egress = networkPolicyDecision(this.cluster, 'Egress', a, b, port);
    if (!egress.allowed) return refuse('NetworkPolicy egress', egress.policy, egress.reason);
    const ingress = networkPolicyDecision(this.cluster, 'Ingress', a, b, port);
    if (!ingress.allowed) return refuse('NetworkPolicy ingress', ingress.policy, ingress.reason);
    const sidecar = sidecarFor(this.cluster, a);
    let plaintext = !a.meshed;
    if (sidecar && (sidecar.spec?.egress ?? []).length > 0) {
      const services = this.servicesOf(b);
      const covers = (h: string, s: Manifest) => egressHostCovers(String(h), nsOf(sidecar), serviceHost(String(s.metadata?.name), nsOf(s)), nsOf(s));
      const listed = services.some((s) => (sidecar.spec.egress as Manifest[]).some((l) => list(l.hosts).some((h: string) => covers(h, s))));
      if (!listed) {
        if (sidecar.spec?.outboundTrafficPolicy?.mode === 'REGISTRY_ONLY')
          return refuse('Sidecar egress', sidecar, `Sidecar ${nsOf(sidecar)}/${sidecar.metadata?.name} lists no host of ${b.name} (REGISTRY_ONLY)`);
        plaintext = true;
      }
    }
    const last = ingress.policy
      ? dec('NetworkPolicy ingress', ingress.policy)
      : egress.policy
        ? dec('NetworkPolicy egress', egress.policy)
        : undefined;
    if (!b.meshed || SIDECAR_OWN_PORTS.has(port)) {
      return {
        open: true,
        port,
        decidedBy: last,
        reason: `${a.name} reaches ${b.name} on ${port}`
          + `${b.meshed ? " (the proxy's own port: no mTLS or authorization)" : ' (no sidecar)'}: ${ingress.reason}`,
      };
    }
    const mode = mtlsMode(this.cluster, b, port);
    if (plaintext && mode.mode === 'STRICT')
      return refuse('mTLS', mode.policy, `${a.name} would send plaintext but ${b.name} requires STRICT mTLS on ${port}`);
    const authz = this.authzAdmits(a, b, port, !plaintext && mode.mode !== 'DISABLE');
    if (!authz.allowed) return refuse('AuthorizationPolicy', authz.policy, authz.reason);
    return {
      open: true,
      port,
      decidedBy: authz.policy ? dec('AuthorizationPolicy', authz.policy) : last,
      reason: `${a.name} reaches ${b.name} on ${port}: ${authz.reason}`,
    };
  }

  /**
   * Whether the AuthorizationPolicies of `b` admit some request from `a` on `port`: no
   * DENY rule refuses every request of `a` (a rule constraining only the source), and,
   * when ALLOW policies exist, one rule admits `a`'s identity on the port (its request
   * fields can be met by some request).
   */
  private authzAdmits(a: FlowPod, b: FlowPod, port: number, mtls: boolean): { allowed: boolean; policy?: Manifest; reason: string } {
    const principal = mtls ? this.cluster.principalOf(a) : undefined;
    const namespace = mtls ? a.namespace : undefined;
    const policies = authzPoliciesFor(this.cluster, b);
    const sourceOk = (rule: Manifest) =>
      !(rule.from?.length > 0) ||
      rule.from.some((f: Manifest) => {
        const s = f.source ?? {};
        const pos = (k: string, v: string | undefined) => !(s[k]?.length > 0) || (s[k] as string[]).some((p) => stringMatches(String(p), v));
        const neg = (k: string, v: string | undefined) =>
          !(s[k]?.length > 0) || v === undefined || !(s[k] as string[]).some((p) => stringMatches(String(p), v));
        return (
          pos('principals', principal) &&
          neg('notPrincipals', principal) &&
          pos('namespaces', namespace) &&
          neg('notNamespaces', namespace) &&
          !(s.ipBlocks?.length > 0) &&
          !(s.remoteIpBlocks?.length > 0)
        );
      });
    const whenOk = (rule: Manifest) =>
      list(rule.when).every((c: Manifest) => {
        const v =
          c.key === 'source.namespace' ? namespace : c.key === 'source.principal' ? principal : c.key === 'destination.port' ? String(port) : null;
        if (v === null) return true;
        return (
          (!(c.values?.length > 0) || (v !== undefined && (c.values as string[]).some((p) => stringMatches(String(p), v)))) &&
          (!(c.notValues?.length > 0) || v === undefined || !(c.notValues as string[]).some((p) => stringMatches(String(p), v)))
        );
      });
    const portOk = (rule: Manifest) =>
      !(rule.to?.length > 0) ||
      rule.to.some((t: Manifest) => {
        const op = t.operation ?? {};
        return (!(op.ports?.length > 0) || op.ports.map(String).includes(String(port))) && !(op.notPorts ?? []).map(String).includes(String(port));
      });
    for (const p of policies.filter((x) => x.spec?.action === 'DENY')) {
      const all = (p.spec?.rules ?? []).find((r: Manifest) => sourceOk(r ?? {}) && !(r?.to?.length > 0) && !(r?.when?.length > 0));
      if (all)
        return {
          allowed: false,
          policy: p,
          reason: `AuthorizationPolicy ${nsOf(p)}/${p.metadata?.name} (DENY) refuses every request from ${a.name}`,
        };
    }
    const allows = policies.filter((x) => String(x.spec?.action ?? 'ALLOW') === 'ALLOW');
    if (allows.length === 0) return { allowed: true, reason: `no ALLOW policy applies to ${b.name}` };
    for (const p of allows) {
      const rules: Manifest[] = p.spec?.rules ?? [];
      const i = rules.findIndex((r) => sourceOk(r ?? {}) && portOk(r ?? {}) && whenOk(r ?? {}));
      if (i >= 0)
        return {
          allowed: true,
          policy: p,
          reason: `AuthorizationPolicy ${nsOf(p)}/${p.metadata?.name} rules[${i}] admits requests from ${principal ?? 'a plaintext peer'}`,
        };
    }
    const decider = allows.find((x) => x.spec?.selector) ?? allows[0];
    return { allowed: false, policy: decider, reason: `no ALLOW rule of ${b.name} admits ${principal ?? 'a plaintext peer'}` };
  }

  /** The pods the NetworkPolicies selecting `pod` admit as peers for `direction`; `all` when unrestricted. */
  private peerSet(pod: FlowPod, direction: NetworkDirection): PodSet {
    const policies = npPoliciesFor(this.cluster, pod, direction);
    if (policies.length === 0) return 'all';
    const out = new Set<FlowPod>();
    for (const np of policies) {
      for (const rule of (direction === 'Egress' ? np.spec?.egress : np.spec?.ingress) ?? []) {
        const peers: Manifest[] | undefined = direction === 'Egress' ? rule.to : rule.from;
        if (!Array.isArray(peers) || peers.length === 0) return 'all';
        for (const peer of peers) {
          if (peer.ipBlock) {
            for (const p of this.cluster.pods) if (p.addresses.length > 0) out.add(p);
            continue;
          }
          if (!peer.podSelector && !peer.namespaceSelector) continue;
          for (const p of this.peerPods(peer, nsOf(np))) out.add(p);
        }
      }
    }
    return out;
  }

  /** The pods a NetworkPolicyPeer of a policy in `policyNs` selects (its selectors), worked out once per peer. */
  private peerPods(peer: Manifest, policyNs: string): FlowPod[] {
    // One peer object may be shared by policies of several namespaces (hand-written manifests).
    let byNs = this.peerMemo.get(peer);
    if (!byNs) {
      byNs = new Map();
      this.peerMemo.set(peer, byNs);
    }
    let out = byNs.get(policyNs);
    if (!out) {
      const namespaces = peer.namespaceSelector
        ? this.cluster.namespaces().filter((ns) => labelSelectorMatches(peer.namespaceSelector, this.cluster.namespaceLabels(ns)))
        : [policyNs];
      out = namespaces.flatMap((ns) =>
        this.cluster.podsMatching(ns, peer.podSelector?.matchLabels ?? {}).filter((p) => labelSelectorMatches(peer.podSelector ?? {}, p.labels)),
      );
      byNs.set(policyNs, out);
    }
    return out;
  }

  /** The pods behind the hosts `pod`'s Sidecar lists; `all` without a REGISTRY_ONLY Sidecar or with wildcard hosts. */
  private sidecarSet(pod: FlowPod): PodSet {
    const sidecar = sidecarFor(this.cluster, pod);
    if (!sidecar || sidecar.spec?.outboundTrafficPolicy?.mode !== 'REGISTRY_ONLY' || !(sidecar.spec?.egress?.length > 0)) return 'all';
    const out = new Set<FlowPod>();
    for (const listener of sidecar.spec.egress as Manifest[]) {
      for (const h of list(listener.hosts) as string[]) {
        const slash = h.indexOf('/');
        const ns = slash < 0 ? '*' : h.slice(0, slash);
        const dns = slash < 0 ? h : h.slice(slash + 1);
        if (ns === '~') continue;
        if (dns.includes('*')) return 'all';
        // Egress hosts name services as written (sidecar.go, `hostClassification`: an exact lookup).
        const service = this.cluster.services.get(dns);
        if (service && (ns === '*' || (ns === '.' ? nsOf(sidecar) : ns) === service.namespace)) {
          for (const p of this.cluster.podsOfService(service)) out.add(p);
        }
      }
    }
    return out;
  }

  /** Destinations whose ingress is unrestricted, and for the others, who may enter. */
  private buildReverse(): void {
    if (this.reverseBuilt) return;
    this.reverseBuilt = true;
    for (const b of this.cluster.pods) {
      if (!this.candidatesOf(b)) continue;
      const set = this.peerSet(b, 'Ingress');
      if (set === 'all') {
        this.ingressOpen.add(b);
        continue;
      }
      for (const a of set) {
        const list = this.ingressReverse.get(a);
        if (list) list.add(b);
        else this.ingressReverse.set(a, new Set([b]));
      }
    }
  }
}

function dec(layer: FlowLayer, m: Manifest | undefined): FlowDecider | undefined {
  if (!m) return undefined;
  return {
    layer,
    kind: String(m.kind),
    namespace: m.metadata?.namespace === undefined ? undefined : String(m.metadata.namespace),
    name: String(m.metadata?.name),
  };
}
