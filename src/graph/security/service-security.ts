import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { pathsOverlap, withCollectionPaths } from '../../core/authorization';
import type { HttpMethod } from '../../core/http';
import { ASYNCHRONOUS_CALLERS_ANNOTATION } from '../../core/labels';
import { Principal } from '../../core/principal';
import { isMeshChart } from '../brands';
import type { IMeshChart, IMeshService, IMeshServiceNode, ServiceCall } from '../interfaces';
import { callsGrpcOnly, restrictedTargetPorts } from '../service-call';
import { addNetworkPolicy, NetworkPeer, NetworkPort } from '../../workload/workload';
import { AuthorizationRule, AuthorizationSource, operationProblems, ruleProblems, resolveRule } from './authorization-rule';
import { MeshSecurity } from './mesh-security';
import { MtlsMode, MtlsModeName } from './mtls-mode';
import { MtlsPolicy, MtlsPolicyProps } from './mtls-policy';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { MeshError } from '../../core/errors';
import { hasBrand } from '../brands';
import { addAuthorizationPolicy } from './authorization-rule.render';
import { addSidecar, containerPortsOf, renderServiceNetworkPolicy, servicePeers } from './service-security.render';
import type { RemoteCaller } from '../remote-caller';
import { admissionFlows, admissionPeer, admissionProblems, admissionRules, AdmitOptions, RemoteAdmission } from './remote-admission';
import { addProblems } from '../../private/construct-problems';

/**
 * A gateway that routes to the service: its pods are let through the NetworkPolicy and
 * its principal is admitted, on the paths routed, by the AuthorizationPolicy.
 */
export interface GatewayAdmission {
  /** The gateway's pods (namespace AND pod labels). */
  readonly peer: NetworkPeer;
  /** The gateway pods' identity. */
  readonly principal: Principal;
  /**
   * The paths routed to the service, in AuthorizationPolicy form (`/api/*`).
   * @default - every path
   */
  readonly paths?: readonly string[];
  /**
   * The methods routed to the service.
   * @default - every method
   */
  readonly methods?: readonly HttpMethod[];
  /**
   * The container ports the gateway's pods may connect to (NetworkPolicy).
   * @default - every container port of the service
   */
  readonly ports?: readonly NetworkPort[];
}

/**
 * Callers without a sidecar (an ingress controller that is not meshed) that send plaintext
 * to the service: their pods are let through the NetworkPolicy on `ports`, those ports
 * accept plaintext (the workload's PeerAuthentication makes them PERMISSIVE), and the
 * AuthorizationPolicy admits requests that carry no mTLS identity (`notPrincipals: ["*"]`)
 * on the methods and paths given, so every meshed caller still needs its own rule.
 */
export interface PlaintextAdmission {
  /** The callers' pods (namespace AND pod labels). */
  readonly peer: NetworkPeer;
  /** The container ports they connect to, which become PERMISSIVE. */
  readonly ports: readonly NetworkPort[];
  /**
   * The paths they may request, in AuthorizationPolicy form.
   * @default - every path
   */
  readonly paths?: readonly string[];
  /**
   * The methods they may use.
   * @default - every method
   */
  readonly methods?: readonly HttpMethod[];
}

/** Options for {@link ServiceSecurity.setMtls}. */
export interface WorkloadMtlsOptions {
  /**
   * Modes of particular container ports, over the workload's mode.
   * @default - none
   * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/#PeerAuthentication
   */
  readonly portLevelMtls?: Record<number, MtlsMode>;
}

const SECURITY_ID = 'Security';

/** The brand of a ServiceSecurity (a registered symbol, so it holds across two copies of the library). */
const SERVICE_SECURITY_BRAND = Symbol.for('cdk8s-mesh.ServiceSecurity');

/**
 * The security view of one service, derived from the mesh graph at synth:
 * an ALLOW AuthorizationPolicy `<name>-policy` with one rule per declared caller
 * (its principal, the call's methods and paths), the gateways that route to it and
 * the rules added with {@link ServiceSecurity.allow}; a deny-by-default NetworkPolicy `<name>` allowing exactly the calls in and
 * out plus DNS and istiod; a Sidecar `<name>` importing only the hosts it calls; and,
 * if asked, a workload PeerAuthentication `<name>`. Every MeshService has one
 * (id `Security`); reach it with {@link ServiceSecurity.of}. It writes several objects,
 * so it has no default child: each is a field (`authorizationPolicy`, `networkPolicy`,
 * `sidecar`, and the {@link MtlsPolicy} `setMtls` returns).
 */
export class ServiceSecurity extends Construct {
  /**
   * Whether `x` is a ServiceSecurity, of this copy of the library or another (a registered
   * brand, as cdk8s's `Chart.isChart`).
   */
  public static isServiceSecurity(x: unknown): x is ServiceSecurity {
    return hasBrand(x, SERVICE_SECURITY_BRAND);
  }

  /**
   * The ServiceSecurity of `service`. A lookup: it creates nothing (every MeshService
   * creates its own, id `Security`, when it is constructed).
   */
  public static of(service: IMeshService): ServiceSecurity {
    const found = service.node.tryFindChild(SECURITY_ID);
    if (!ServiceSecurity.isServiceSecurity(found)) throw new MeshError(Codes.INTERNAL_INVARIANT, `${service.node.path} has no ServiceSecurity`);
    return found;
  }

  /** The service. */
  public readonly service: IMeshServiceNode;
  /** Its ALLOW AuthorizationPolicy `<name>-policy` (child `AuthorizationPolicy`). */
  public readonly authorizationPolicy: ApiObject;
  /** Its deny-by-default NetworkPolicy `<name>` (child `NetworkPolicy`). */
  public readonly networkPolicy: ApiObject;
  /** Its Sidecar `<name>` (child `Sidecar`). */
  public readonly sidecar: ApiObject;
  /** @internal The namespace's security. */
  public readonly _mesh: MeshSecurity;
  private readonly extraRules: AuthorizationRule[] = [];
  /** @internal Other pods let in, in the order they were added. */
  public readonly _extraIngress: { peer: NetworkPeer; ports?: NetworkPort[] }[] = [];
  private readonly gateways: GatewayAdmission[] = [];
  private readonly plaintext: PlaintextAdmission[] = [];
  private readonly endUserRuleSources: (() => AuthorizationRule)[] = [];
  private readonly admissions: RemoteAdmission[] = [];
  private readonly hostRouted: { readonly methods?: readonly HttpMethod[] }[] = [];
  private workloadMtls?: MtlsPolicy;
  /** The mode `setMtls` set, if it was called. */
  private workloadMode?: { readonly mode: MtlsMode; readonly portLevelMtls: Record<number, MtlsMode> };

  public constructor(service: IMeshServiceNode, id: string) {
    super(service, id);
    Object.defineProperty(this, SERVICE_SECURITY_BRAND, { value: true });
    this.service = service;
    this._mesh = MeshSecurity.of(service.chart);
    const meta = (name: string) => ({ name, namespace: service.namespace, labels: { ...service.resourceLabels } });

    this.authorizationPolicy = addAuthorizationPolicy(this, 'AuthorizationPolicy', meta(`${service.name}-policy`), () => ({
      selector: this.service.selectorLabels,
      action: 'ALLOW',
      rules: this.rules.map(resolveRule),
    }));
    // Callers whose every call here is fire-and-forget, for the retry analysis over the manifests (validate/analysis/retry-chain.ts).
    this.authorizationPolicy.metadata.addAnnotation(ASYNCHRONOUS_CALLERS_ANNOTATION,
      Lazy.any({ produce: () => this.asynchronousCallers() }) as unknown as string);
    this.networkPolicy = addNetworkPolicy(this, 'NetworkPolicy', meta(service.name), () => renderServiceNetworkPolicy(servicePeers(this)));
    this.sidecar = addSidecar(this, 'Sidecar', meta(service.name), this);
    addProblems(this, () => this.problems());
    service.chart.addIntendedFlows(() => admissionFlows(this.service, this.admissions));
  }

  /**
   * Sets the workload's own mTLS mode (a PeerAuthentication `<name>` selecting its pods),
   * optionally per port. Anything but STRICT is an explicit opt-out.
   */
  public setMtls(mode: MtlsMode, options: WorkloadMtlsOptions = {}): MtlsPolicy {
    this.workloadMode = { mode, portLevelMtls: { ...options.portLevelMtls } };
    return this.writeWorkloadMtls();
  }

  /** (Re)writes the workload's PeerAuthentication: its mode, the ports plaintext callers need PERMISSIVE, the explicit port modes over them. */
  private writeWorkloadMtls(): MtlsPolicy {
    // A policy is immutable: a second call replaces it (same id, so the same PeerAuthentication).
    if (this.workloadMtls) this.node.tryRemoveChild(this.workloadMtls.node.id);
    const plaintext = Object.fromEntries(this.plaintext.flatMap((a) => a.ports.map((p) => [p.port, MtlsMode.permissive()])));
    const given = this.workloadMode ?? { mode: this._mesh.defaultMode, portLevelMtls: {} };
    const ports = { ...plaintext, ...given.portLevelMtls };
    this.workloadMtls = new WorkloadMtlsPolicy(this, 'PeerAuthentication', this.service, {
      name: this.service.name,
      namespace: this.service.namespace,
      selector: { ...this.service.selectorLabels },
      mode: given.mode,
      portLevelMtls: Object.keys(ports).length > 0 ? ports : undefined,
    });
    return this.workloadMtls;
  }

  /** Adds a rule to the service's ALLOW policy, besides those of its declared callers. */
  public allow(rule: AuthorizationRule): void {
    this.extraRules.push(rule);
  }

  /**
   * Lets pods that are not services of the chart (an ingress gateway, say) connect,
   * in the NetworkPolicy; the AuthorizationPolicy still decides what they may do.
   */
  public allowIngressFrom(peer: NetworkPeer, ports?: NetworkPort[]): void {
    this._extraIngress.push({ peer, ports });
  }

  /**
   * Admits a gateway that routes `admission.paths` to the service: NetworkPolicy ingress
   * from its pods (namespaceSelector AND podSelector, as one peer) and an ALLOW rule for
   * its principal on those paths. Paths that end users must sign in for (see
   * {@link allowEndUsers}) are left to the end-user rule, so a route never bypasses it.
   *
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
   * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
   */
  public admitGateway(admission: GatewayAdmission): void {
    this.gateways.push({
      ...admission, paths: admission.paths ? [...admission.paths] : undefined, methods: admission.methods ? [...admission.methods] : undefined,
    });
    this.allowIngressFrom(admission.peer, admission.ports ? [...admission.ports] : undefined);
  }

  /**
   * Admits callers without a sidecar that send plaintext ({@link PlaintextAdmission}): NetworkPolicy
   * ingress from their pods on `ports`, those ports PERMISSIVE in the workload's
   * PeerAuthentication (written if there is none; an explicit `setMtls` port mode wins), and an
   * ALLOW rule for requests without an mTLS identity (`notPrincipals: ["*"]`) on the methods
   * and paths. Paths that end users must sign in for are left to the end-user rule.
   *
   * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
   * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source (notPrincipals)
   */
  public admitPlaintext(admission: PlaintextAdmission): void {
    this.plaintext.push({
      ...admission, ports: [...admission.ports],
      paths: admission.paths ? [...admission.paths] : undefined, methods: admission.methods ? [...admission.methods] : undefined,
    });
    this.allowIngressFrom(admission.peer, [...admission.ports]);
    this.writeWorkloadMtls();
  }

  /**
   * Admits a named caller from outside the app (a workload another team's chart or repository
   * deploys): an ALLOW rule for its principal with the methods, paths and port it may use, and
   * NetworkPolicy ingress from its namespace AND pod labels (on that port's container port, else
   * on every one). Synth proves the flow from the caller's pods as described; the flow check over
   * both teams' folders proves it against the caller's own record (MESH604).
   * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
   */
  public admit(caller: RemoteCaller, options: AdmitOptions = {}): void {
    this._admit(caller, options, false);
  }

  /**
   * Admits `caller` as {@link admit} does; a caller of the app (`inApp`: a MeshCronJob) declares the call's flows itself,
   * from its pods in the manifests, so the admission adds none.
   * @internal
   */
  public _admit(caller: RemoteCaller, options: AdmitOptions, inApp: boolean): void {
    const copied = { ...options, methods: options.methods ? [...options.methods] : undefined, paths: options.paths ? [...options.paths] : undefined };
    const admission: RemoteAdmission = { caller, options: copied, ...(inApp ? { _inApp: true } : {}) };
    this.admissions.push(admission);
    const { peer, ports } = admissionPeer(this.service, admission);
    this.allowIngressFrom(peer, ports);
  }

  /** The callers from outside the app this service admits, in the order admitted. */
  public get remoteCallers(): readonly RemoteCaller[] {
    return this.admissions.map((a) => a.caller);
  }

  /** Each admitted caller from outside the app with what it may do, in the order admitted. */
  public get remoteAdmissions(): readonly RemoteAdmission[] {
    return [...this.admissions];
  }

  /**
   * Records that an admitted proxy's sidecar sends `methods` (every method if undefined) to the service's host: a meshed edge
   * proxy that addresses the Service, whose sidecar applies the service's VirtualService, retries included. Whether the
   * service's default retries must spare writes reads it (MeshService.policy).
   * @internal
   */
  public _routedByHost(methods: readonly HttpMethod[] | undefined): void {
    this.hostRouted.push({ methods: methods && [...methods] });
  }

  /** @internal Each gateway's admission ({@link admitGateway}), in the order admitted. */
  public get _gatewayAdmissions(): readonly GatewayAdmission[] {
    return [...this.gateways];
  }

  /** @internal The methods of each admitted proxy whose sidecar routes by the service's host ({@link _routedByHost}). */
  public get _hostRoutedCallers(): readonly { readonly methods?: readonly HttpMethod[] }[] {
    return this.hostRouted;
  }

  /**
   * Adds the rule admitting signed-in end users (from a RequestAuthentication) on its
   * paths: gateway rules then leave these paths out. Its source is the edge's gateway,
   * which need not be a service of the app.
   */
  public allowEndUsers(rule: AuthorizationRule): void {
    this.endUserRuleSources.push(() => rule);
  }

  /** @internal An end-user rule worked out at synth (its paths the routes made by then). */
  public _allowEndUsersLazily(produce: () => AuthorizationRule): void {
    this.endUserRuleSources.push(produce);
  }

  /**
   * The paths gateways route to the service, as ALLOW rules match them: an exact path as it
   * is, a prefix as `<prefix>*`, a route of every path (a `MeshGateway` route, a route of `/`, a
   * regex) as `/*`; sorted, each once. Empty when no gateway routes to it.
   */
  public get gatewayRoutedPaths(): string[] {
    return [...new Set(this.gateways.flatMap((g) => g.paths ?? ['/*']))].sort();
  }

  /**
   * The methods the gateways and plaintext proxies that route to the service forward, each once, in order; undefined when one
   * forwards every method (an IngressGateway's route) or none routes: what end users may send through them.
   */
  public get gatewayRoutedMethods(): HttpMethod[] | undefined {
    const all = [...this.gateways, ...this.plaintext];
    if (all.length === 0 || all.some((g) => !g.methods)) return undefined;
    return [...new Set(all.flatMap((g) => g.methods!))];
  }

  /** True if a caller without a sidecar (a plaintext proxy, {@link admitPlaintext}) sends to the service. */
  public get admitsPlaintext(): boolean {
    return this.plaintext.length > 0;
  }

  /**
   * The container ports among `ports` on which no plaintext admission ({@link admitPlaintext}) lets in the pods of `namespace`
   * with `labels`, in the order given. An admission by pod labels covers them when its labels are among theirs and its namespace
   * (the service's by default, as a NetworkPolicy peer's) is theirs; an admission by address (`cidr`) is taken to cover them, as
   * their pods' addresses are not known before they run (the flows at synth still prove the call).
   * @internal
   */
  public _plaintextUnadmitted(namespace: string, labels: Readonly<Record<string, string>>, ports: readonly NetworkPort[]): NetworkPort[] {
    const covers = (peer: NetworkPeer) => peer.cidr !== undefined || ((peer.namespace ?? this.service.namespace) === namespace
      && Object.entries(peer.podLabels ?? {}).every(([k, v]) => labels[k] === v));
    const admitted = this.plaintext.filter((a) => covers(a.peer)).flatMap((a) => a.ports);
    return ports.filter((p) => !admitted.some((a) => a.port === p.port && a.protocol === p.protocol));
  }

  /**
   * The identities of the gateways that route to the service (the ingress gateway's, a meshed edge proxy's), each once,
   * in the order admitted: where end users' requests arrive from.
   */
  public get gatewayPrincipals(): Principal[] {
    const seen = new Map<string, Principal>();
    for (const g of this.gateways) if (!seen.has(g.principal.toString())) seen.set(g.principal.toString(), g.principal);
    return [...seen.values()];
  }

  private get endUserRules(): AuthorizationRule[] {
    return this.endUserRuleSources.map((produce) => produce());
  }

  private get endUserPaths(): string[] {
    return this.endUserRules.flatMap((r) => (r.to ?? [{ paths: ['*'] }]).flatMap((o) => o.paths ?? ['*']));
  }

  /**
   * Headers the service's own sidecar writes from a validated token (RequestAuthentication
   * `outputClaimToHeaders`): Envoy's jwt_authn adds them (addCopy) and strips a client's copy only
   * where its verifier runs for that provider (envoyproxy/envoy#46586 lists the paths where it did
   * not), so every gateway route to the service removes them from what the client sent
   * ({@link headersSetFromClaims}).
   */
  public setsHeadersFromClaims(headers: readonly string[]): void {
    for (const h of headers) if (!this.claimHeaders.includes(h)) this.claimHeaders.push(h);
  }

  /** The headers the service's sidecar writes from a validated token, which no client may send. */
  public get headersSetFromClaims(): readonly string[] {
    return [...this.claimHeaders].sort();
  }

  private readonly claimHeaders: string[] = [];

  /**
   * A request principal an end-user rule admits on `path` (its first, `*` made concrete),
   * or undefined when no end-user rule guards the path. For flows that sign in.
   */
  public endUserPrincipalFor(path: string): string | undefined {
    return this.endUserPrincipalsFor(path)[0];
  }

  /**
   * One request principal of each end-user rule that guards `path` (each rule's first, `*` made
   * concrete), in the order the rules were added, without repeats: one a token issuer where two
   * `EdgeAuthentication`s (tenant users and machine clients, say) guard the service. For flows
   * that sign in, one a way in: every proxy on the way must accept each of these tokens.
   */
  public endUserPrincipalsFor(path: string): string[] {
    const out: string[] = [];
    for (const r of this.endUserRules) {
      const guards = (r.to ?? [{}]).some((o) => !o.paths || o.paths.some((p) => p === path || (p.endsWith('*') && path.startsWith(p.slice(0, -1)))));
      const rp = r.from?.flatMap((f) => f.requestPrincipals ?? [])[0];
      const principal = rp?.replace(/\*/g, 'user-1');
      if (guards && principal && !out.includes(principal)) out.push(principal);
    }
    return out;
  }

  /**
   * The mode the workload accepts on its container ports: STRICT only if every one is
   * STRICT, else the weakest. The workload's policy wins over the namespace's.
   */
  public get mtlsMode(): MtlsModeName {
    const modes = this.containerPorts().map((p) => this.mtlsModeOn(p.port));
    for (const weak of ['DISABLE', 'PERMISSIVE'] as const) if (modes.includes(weak)) return weak;
    return 'STRICT';
  }

  /** The mode the workload accepts on container port `port`: its own policy's (port-level first), else the namespace's. */
  public mtlsModeOn(port: number): MtlsModeName {
    return (this.workloadMtls ? this.workloadMtls.modeOn(port) : this._mesh.defaultMode).mode;
  }

  /**
   * Whether the service's ALLOW policy admits its declared callers and nothing else: no
   * gateway, no end users, no caller admitted from outside the app, no rule added with {@link allow}.
   */
  public get admitsOnlyDeclaredCallers(): boolean {
    return (
      this.inboundCalls.length > 0 &&
      this.admissions.length === 0 &&
      this.gateways.length === 0 &&
      this.endUserRuleSources.length === 0 &&
      this.extraRules.length === 0
    );
  }

  /** The principals of the callers whose every call to this service is asynchronous, comma-separated; undefined if none. */
  private asynchronousCallers(): string | undefined {
    const sync = new Set(this.inboundCalls.filter((c) => !c.asynchronous).map((c) => c.source));
    const principals = [...new Set(this.inboundCalls.filter((c) => c.asynchronous && !sync.has(c.source)).map((c) => c.source.principal.toString()))];
    return principals.length > 0 ? principals.sort().join(',') : undefined;
  }

  /** The calls into this service, sorted by caller. */
  public get inboundCalls(): ServiceCall[] {
    return [...this.service.chart.callsTo(this.service)]
      .sort((a, b) => compare(a.source.name, b.source.name) || compare(a.source.namespace, b.source.namespace));
  }

  /** Every rule of the service's ALLOW policy, in output order. */
  public get rules(): AuthorizationRule[] {
    // No rule opens the health checks to every source, as seed 000 does: the sidecar injector
    // rewrites the kubelet's HTTP probes to the pilot-agent (15020), which calls the app over
    // localhost, so a probe never meets Envoy's inbound authorization; the rule would admit
    // only other workloads. https://istio.io/latest/docs/ops/configuration/mesh/app-health-check/
    return [
      ...this.callerRules(),
      ...admissionRules(this.service, this.admissions),
      ...this.gatewayRules(),
      ...this.endUserRules,
      ...this.extraRules,
    ];
  }

  /**
   * One rule per gateway (its principal) and per plaintext admission (no mTLS identity), on
   * the routed methods and paths, less those an end-user rule covers (a prefix `/api/*` covers
   * `/api/orders/*`). A catch-all route excludes them with `notPaths`, since an ALLOW rule
   * matching them would admit requests without a token. Admissions of one source and one set
   * of methods share a rule.
   */
  private gatewayRules(): AuthorizationRule[] {
    const guarded = [...new Set(this.endUserPaths)].sort();
    const covered = (p: string) => guarded.some((g) => g === p || (g.endsWith('*') && p.startsWith(g.slice(0, -1))));
    const sources: { key: string; source: AuthorizationSource; methods?: readonly HttpMethod[]; paths?: readonly string[] }[] = [
      ...this.gateways.map((g) => ({ key: g.principal.toString(), source: { principals: [g.principal] }, methods: g.methods, paths: g.paths })),
      ...this.plaintext.map((a) => ({ key: '!*', source: { notPrincipals: ['*'] }, methods: a.methods, paths: a.paths })),
    ];
    const grouped = new Map<string, { source: AuthorizationSource; methods?: readonly HttpMethod[]; paths?: Set<string> }>();
    for (const g of sources) {
      const methods: HttpMethod[] | undefined = g.methods ? [...new Set(g.methods)].sort() : undefined;
      const key = `${g.key}\u0000${methods ? methods.join(',') : '*'}`;
      const entry = grouped.get(key) ?? { source: g.source, methods, paths: new Set<string>() };
      const paths = entry.paths;
      if (!g.paths || !paths) entry.paths = undefined;
      else g.paths.forEach((p) => paths.add(p));
      grouped.set(key, entry);
    }
    const out: AuthorizationRule[] = [];
    for (const [, { source, methods, paths }] of [...grouped].sort(([a], [b]) => compare(a, b))) {
      if (!paths) {
        // Every path guarded: a rule of notPaths ['/*'] would match nothing.
        if (guarded.some((g) => g === '*' || g === '/*')) continue;
        const restricted = { ...(methods ? { methods } : {}), ...(guarded.length > 0 ? { notPaths: guarded } : {}) };
        const to = Object.keys(restricted).length > 0 ? [restricted] : undefined;
        out.push({ from: [source], to });
        continue;
      }
      const open = [...paths].filter((p) => !covered(p)).sort();
      // A guarded path inside an open one (`/api/orders/*` in `/api/*`) is cut out of it, or the gateway's rule would admit it without a token.
      const inner = guarded.filter((g) => open.some((o) => pathsOverlap(g, o)));
      if (open.length > 0) {
        out.push({ from: [source], to: [{ ...(methods ? { methods } : {}), paths: open, ...(inner.length > 0 ? { notPaths: inner } : {}) }] });
      }
    }
    return out;
  }

  /**
   * One rule per declared caller: its principal, and the methods, paths and (when a call
   * reaches fewer than all of the service's ports) container ports of its calls.
   */
  private callerRules(): AuthorizationRule[] {
    const byCaller = new Map<IMeshService, ServiceCall[]>();
    for (const c of this.inboundCalls) byCaller.set(c.source, [...(byCaller.get(c.source) ?? []), c]);
    return [...byCaller].map(([caller, calls]) => ({
      from: [{ services: [caller] }],
      to: calls.some((c) => !c.methods && !c.paths && !restrictedTargetPorts(c)) ? undefined
      // A path ending in /* admits its collection path too (POST /api/orders beside /api/orders/*),
      // but for gRPC, whose every request is POST /<package.Service>/<Method>.
      : calls.map((c) => ({
        methods: c.methods ? [...c.methods] : undefined,
        paths: c.paths ? (callsGrpcOnly(c) ? [...c.paths] : withCollectionPaths(c.paths)) : undefined,
        ports: restrictedTargetPorts(c)?.map((p) => p.port),
      })),
    }));
  }

  private containerPorts(): NetworkPort[] {
    return containerPortsOf(this.service);
  }

  private problems(): string[] {
    const out: string[] = [];
    for (const c of this.inboundCalls) {
      out.push(...operationProblems({ methods: c.methods, paths: c.paths }, `calls from ${c.source.name}`));
    }
    const known = knownPrincipals(this.node.root);
    // Methods and paths of calls are reported above, under the call; here only their sources.
    // Every rule here is ALLOW: a caller's principal never matches plaintext (ruleProblems), so only a source that excludes
    // principals without naming one is checked against the weakest mode of the workload's ports, those open to plaintext included.
    const context = { knownPrincipals: known, mtls: this.mtlsMode, target: `workload ${this.service.name}` };
    out.push(...ruleProblems(this.callerRules().map((r) => ({ from: r.from })), context));
    out.push(...ruleProblems(this.extraRules, context, 'allow'));
    // Callers from outside the app are named on purpose: their principals need STRICT mTLS, not to be the app's.
    const admitted = admissionRules(this.service, this.admissions);
    const outside = new Set(admitted.flatMap((r) => (r.from ?? []).flatMap((f) => (f.principals ?? []).map(String))));
    out.push(...ruleProblems(admitted, { ...context, knownPrincipals: outside }, 'admits'));
    const exported = (this.service as { exportedTo?: (namespace: string) => boolean }).exportedTo;
    out.push(...admissionProblems(this.service, this.admissions, exported && ((ns) => exported.call(this.service, ns))));
    // A gateway's proxies see the Service, its VirtualService and DestinationRule only where they are exported to the gateway's
    // namespace (https://istio.io/latest/docs/reference/config/annotations/#NetworkingExportTo): a route from one they are hidden from answers 503.
    const gatewayNamespaces = new Set(this.gateways.flatMap((g) => (g.peer.namespace === undefined ? [] : [g.peer.namespace])));
    const hiddenFrom = [...gatewayNamespaces].filter((ns) => exported && !exported.call(this.service, ns));
    for (const ns of hiddenFrom) {
      out.push(formatProblem(Codes.NOT_EXPORTED_TO_CALLER, `exportTo: a gateway in ${ns} routes to ${this.service.name}, whose exportTo hides it `
        + `from ${ns}: the gateway's proxies have no route to it (503); export it to ${ns} too (ExportTo.namespaces([..., '${ns}']))`));
    }
    this.endUserRules.forEach((r, i) => (r.to ?? []).forEach((o, j) => out.push(...operationProblems(o, `endUsers[${i}].to[${j}]`))));
    out.push(...this.strictPlaintextProblems());
    // A DestinationRule sending plaintext to this workload is found in the rendered
    // manifests (MESH108), JSON patches and hand-made DestinationRules included.
    return out;
  }
  /**
   * MESH294: ports {@link admitPlaintext} opens that the workload's own PeerAuthentication makes STRICT (an explicit `setMtls`
   * port mode wins over the PERMISSIVE the admission asks for): a STRICT port refuses plaintext before any rule, so its callers
   * are refused whatever the AuthorizationPolicy admits.
   * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/#PeerAuthentication-MutualTLS-Mode
   */
  private strictPlaintextProblems(): string[] {
    // Pods without a sidecar have no PeerAuthentication to apply.
    if (!this.service.meshed) return [];
    const ports = [...new Set(this.plaintext.flatMap((a) => a.ports.map((p) => p.port)))].sort((a, b) => a - b);
    const strict = ports.filter((p) => this.mtlsModeOn(p) === 'STRICT');
    if (strict.length === 0) return [];
    const list = strict.join(', ');
    return [formatProblem(Codes.PLAINTEXT_ADMISSION_STRICT, `admitPlaintext opens ${this.service.name}'s port${strict.length > 1 ? 's' : ''} ${list} `
      + `to callers without a sidecar, but setMtls makes ${strict.length > 1 ? 'them' : 'it'} STRICT (portLevelMtls): STRICT mTLS refuses `
      + 'plaintext whatever the AuthorizationPolicy admits, so these callers are refused; make the port PERMISSIVE in setMtls '
      + '(or leave it out of portLevelMtls: admitPlaintext makes it PERMISSIVE), or give the callers a sidecar and admit them by principal')];
  }
}

/**
 * The principals of every service in the app, worked out once per validation pass
 * (recomputed only when services were added since), so that each service's check is
 * not a walk of the whole tree.
 */
function knownPrincipals(root: IConstruct): Set<string> {
  const charts = root.node.children.filter((c): c is IMeshChart => isMeshChart(c));
  const count = charts.reduce((n, c) => n + c.services.length + c._workloadPrincipals.length, 0);
  const cached = PRINCIPALS.get(root);
  if (cached && cached.count === count) return cached.principals;
  // The platform's ingress gateway is a known caller too: routes admit its principal; so is its load tester, which a
  // FlaggerCanary's load test admits.
  const principals = new Set(charts.flatMap((c) => [
    ...c.services.map((s) => s.principal.toString()), c.platform.ingressGatewayPrincipal.toString(), c.platform.loadTesterPrincipal().toString(),
    // The app's batch jobs (MeshCronJob), which run as ServiceAccounts of their own.
    ...c._workloadPrincipals,
  ]));
  PRINCIPALS.set(root, { count, principals });
  return principals;
}

/** A workload's own PeerAuthentication, selecting the service's pods as the service does at synth (a FlaggerCanary may come later). */
class WorkloadMtlsPolicy extends MtlsPolicy {
  public constructor(scope: Construct, id: string, private readonly target: IMeshService, props: MtlsPolicyProps) {
    super(scope, id, props);
  }

  protected selectorNow(): Readonly<Record<string, string>> {
    return { ...this.target.selectorLabels };
  }
}

const PRINCIPALS = new WeakMap<IConstruct, { count: number; principals: Set<string> }>();

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
