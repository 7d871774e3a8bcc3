import { Construct, IConstruct } from 'constructs';
import { Codes } from '../../core/codes';
import { formatProblem, MeshError } from '../../core/errors';
import { Labels, MANAGED_BY } from '../../core/labels';
import { dns1123LabelProblem } from '../../core/names';
import { addAuthorizationPolicy } from '../../graph/security/authorization-rule.render';
import type { IMeshService } from '../../graph/mesh-service';
import { AuthorizationRule, ruleProblems, resolveRule } from '../../graph/security/authorization-rule';
import { MeshSecurity } from '../../graph/security/mesh-security';
import { ServiceSecurity } from '../../graph/security/service-security';
import { addProblems } from '../../private/construct-problems';
import { hasBrand, isMeshChart, setBrand } from '../../graph/brands';
import type { IMeshChart } from '../../graph/interfaces';
import { ExtAuthzProvider } from '../../graph/security/ext-authz-provider';
import { MeshCluster } from '../../graph/mesh-cluster';
import { ISTIOD_VALUES_FILE } from '../../graph/observability/telemetry';
import { MeshChart } from '../../graph/mesh-chart';
import type { IntendedFlow } from '../../core/flow';
import { concretePath } from '../../core/authorization';
import { flowMethods } from '../../core/http';

/** Istio's names of the actions of an AuthorizationPolicy. */
export type AuthorizationActionName = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

/**
 * What an AuthorizationPolicy does with the requests its rules match. CUSTOM is the one
 * shape with a field of its own, the extension provider it delegates to, so a CUSTOM
 * action without one, or a provider on another action, cannot be written (istiod's
 * webhook refuses both: istio/istio pkg/config/validation/validation.go,
 * ValidateAuthorizationPolicy).
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#AuthorizationPolicy-Action
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#AuthorizationPolicy-ExtensionProvider
 */
export abstract class AuthorizationAction {
  /** Allow a request only if it matches the rules (the default). */
  public static allow(): AuthorizationAction {
    return new PlainAction('ALLOW');
  }

  /** Deny a request if it matches any of the rules. */
  public static deny(): AuthorizationAction {
    return new PlainAction('DENY');
  }

  /** Audit a request if it matches any of the rules; it is neither allowed nor denied by this. */
  public static audit(): AuthorizationAction {
    return new PlainAction('AUDIT');
  }

  /**
   * Delegate the decision on matching requests to `provider`, an extension provider of the
   * mesh config (an external authorizer): an {@link ExtAuthzProvider}, which the istiod values the app
   * writes then list, or the name of one the install's mesh config has, where the app writes no istiod
   * values (an app that does, whose list replaces the install's, fails synth: MESH232).
   */
  public static custom(provider: string | ExtAuthzProvider): AuthorizationAction {
    const name = typeof provider === 'string' ? provider : provider.name;
    if (name.trim() === '') throw new MeshError(Codes.POLICY_WITHOUT_RULES, 'provider: a CUSTOM policy needs an extension provider');
    return new CustomAction(name, typeof provider === 'string' ? undefined : provider);
  }

  /** Istio's name of the action. */
  public abstract readonly name: AuthorizationActionName;

  /**
   * The policy fields the action sets: the action, and the provider of a CUSTOM one.
   * @internal
   */
  public abstract _render(): { readonly action: AuthorizationActionName; readonly provider?: string };

  /**
   * The external authorizer a CUSTOM action was given as an {@link ExtAuthzProvider}, for the istiod values.
   * @internal
   */
  public get _extAuthz(): ExtAuthzProvider | undefined {
    return undefined;
  }

  /** `DENY` */
  public toString(): string {
    return this.name;
  }
}

/** ALLOW, DENY or AUDIT: the action alone. */
class PlainAction extends AuthorizationAction {
  public constructor(public readonly name: Exclude<AuthorizationActionName, 'CUSTOM'>) {
    super();
  }

  public _render() {
    return { action: this.name };
  }
}

/** CUSTOM, with its provider. */
class CustomAction extends AuthorizationAction {
  public readonly name = 'CUSTOM' as const;

  public constructor(private readonly provider: string, private readonly extAuthz?: ExtAuthzProvider) {
    super();
  }

  public override get _extAuthz(): ExtAuthzProvider | undefined {
    return this.extAuthz;
  }

  public _render() {
    return { action: this.name, provider: this.provider };
  }
}

/** Props for {@link MeshAuthorizationPolicy}. */
export interface MeshAuthorizationPolicyProps {
  /**
   * The policy's name.
   * @default - the construct's id
   */
  readonly name?: string;
  /**
   * The action on matching requests; `AuthorizationAction.custom(provider)` names the
   * external authorizer a CUSTOM policy delegates to.
   * @default AuthorizationAction.allow()
   * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#AuthorizationPolicy-Action
   */
  readonly action?: AuthorizationAction;
  /**
   * The service whose pods the policy applies to.
   * @default - every workload of the chart's namespace
   */
  readonly service?: IMeshService;
  /**
   * The rules. DENY and CUSTOM policies need at least one.
   * @default - none (an ALLOW policy without rules allows nothing)
   */
  readonly rules?: readonly AuthorizationRule[];
}

/**
 * An AuthorizationPolicy of the user's own, beside those the call graph derives:
 * a DENY rule for an admin path, an AUDIT rule, a CUSTOM external authorizer.
 * Its rules get the same checks as the derived ones.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
/** The brand of a MeshAuthorizationPolicy. */
const MESH_AUTHORIZATION_POLICY_BRAND = Symbol.for('cdk8s-mesh.MeshAuthorizationPolicy');

export class MeshAuthorizationPolicy extends Construct {
  /**
   * Whether `x` is a MeshAuthorizationPolicy: a brand check, true across two copies of the library too, where `instanceof`
   * is not.
   */
  public static isMeshAuthorizationPolicy(x: unknown): x is MeshAuthorizationPolicy {
    return hasBrand(x, MESH_AUTHORIZATION_POLICY_BRAND);
  }

  /** The policy's name. */
  public readonly name: string;
  /** The action. */
  public readonly action: AuthorizationAction;
  /** The service whose pods the policy applies to; undefined for every workload of the namespace. */
  public readonly service?: IMeshService;
  /** The rules; undefined when none were given. */
  public readonly rules?: readonly AuthorizationRule[];
  private readonly security: MeshSecurity;

  public constructor(scope: Construct, id: string, props: MeshAuthorizationPolicyProps = {}) {
    super(scope, id);
    setBrand(this, MESH_AUTHORIZATION_POLICY_BRAND);
    this.name = props.name ?? id;
    this.action = props.action ?? AuthorizationAction.allow();
    this.service = props.service;
    this.rules = props.rules ? [...props.rules] : undefined;
    this.security = MeshSecurity.of(this);
    addAuthorizationPolicy(
      this,
      'Resource',
      { name: this.name, namespace: this.security.namespace, labels: { [Labels.MANAGED_BY]: MANAGED_BY } },
      () => ({
        selector: this.service?.selectorLabels,
        ...this.action._render(),
        rules: this.rules?.map(resolveRule),
      }),
    );
    addProblems(this, () => this.problems());
    if (this.action._extAuthz && this.service) MeshChart.of(this).addIntendedFlows(() => this.checkFlows());
  }

  /**
   * The check requests of a CUSTOM policy's external authorizer, as intended flows proved at synth: the sidecar of the workload the
   * policy selects sends them (its Sidecar egress, its NetworkPolicy egress, the authorizer's ALLOW rule), gRPC's Check call, or for an
   * HTTP authorizer each method and path the policy's rules name, after its `pathPrefix` (every method where they name none: GET
   * stands for them, as for a call). Only for an authorizer that is a service of the app; one outside it (a ServiceEntry's host)
   * is the install's to reach.
   */
  private checkFlows(): IntendedFlow[] {
    const provider = this.action._extAuthz!;
    const caller = this.service!;
    const authorizer = this.node.root.node.findAll()
      .filter((c): c is ServiceSecurity => ServiceSecurity.isServiceSecurity(c)).map((s) => s.service)
      .find((s) => provider.service === `${s.name}.${s.namespace}.svc.cluster.local`);
    if (!authorizer || provider._problems().length > 0) return [];
    const operations = (this.rules ?? []).flatMap((r) => r.to ?? []);
    const methods = [...new Set(operations.flatMap((o) => o.methods ?? []))];
    const paths = [...new Set(operations.flatMap((o) => o.paths ?? []).map(concretePath))];
    const requests = new Map<string, ReturnType<typeof provider._checkRequest>>();
    for (const method of flowMethods(methods.length > 0 ? methods : undefined)) {
      for (const path of paths.length > 0 ? paths : ['/']) {
        const check = provider._checkRequest(method, path);
        requests.set(`${check.method} ${check.path}`, check);
      }
    }
    return [...requests.values()].map((check) => ({
      source: { workload: caller.name, namespace: caller.namespace }, host: provider.service, port: provider.port,
      method: check.method as IntendedFlow['method'], path: check.path, expect: 'allow' as const,
      reaches: { namespace: authorizer.namespace, service: authorizer.name }, constructPath: this.node.path,
      description: `${caller.name}'s sidecar asks the external authorizer ${provider.name} (${authorizer.name}) ${check.method} ${check.path} `
        + `for the requests CUSTOM policy ${this.name} matches: ${caller.name} calls ${authorizer.name} on ${provider.port}`,
    }));
  }

  /**
   * MESH232: a CUSTOM action's provider istiod will know. A helm upgrade with the istiod values the app writes replaces the
   * install's `meshConfig.extensionProviders` with their list (Helm replaces lists), which holds only the providers given as
   * ExtAuthzProvider; istiod denies every request a CUSTOM policy of an unknown provider matches
   * (istio/istio pilot/pkg/security/authz/builder/builder.go: "failed to process CUSTOM action ..., will generate deny configs").
   */
  private providerProblems(): string[] {
    if (this.action.name !== 'CUSTOM') return [];
    const given = this.action._extAuthz;
    if (given) {
      const others = extAuthzProvidersOf(this).filter((p) => p.name === given.name && p !== given);
      const same = others.every((p) => JSON.stringify(p.toMeshConfig()) === JSON.stringify(given.toMeshConfig()));
      return [...given._problems(), ...(same ? [] : [formatProblem(Codes.EXT_AUTHZ_PROVIDER_UNKNOWN,
        `action: another CUSTOM policy of the app gives provider '${given.name}' other settings: `
          + 'the mesh config holds one provider of a name')])];
    }
    if (!MeshCluster.lookup(this)?.hasFile(ISTIOD_VALUES_FILE)) return [];
    const name = this.action._render().provider;
    return [formatProblem(Codes.EXT_AUTHZ_PROVIDER_UNKNOWN, `action: provider '${name}' is named by a string, but the app writes istiod's values `
      + `(cluster/${ISTIOD_VALUES_FILE}), whose meshConfig.extensionProviders replaces the install's list on helm upgrade: istiod would know no `
      + `provider '${name}' and deny every request the policy matches. `
      + 'Give it as AuthorizationAction.custom(ExtAuthzProvider.grpc({ name, service, port })) or ExtAuthzProvider.http({ name, service, port })')];
  }

  private problems(): string[] {
    const out: string[] = [];
    const nameProblem = dns1123LabelProblem(this.name);
    if (nameProblem) out.push(formatProblem(Codes.INVALID_NAME, `name: ${nameProblem}`));
    const action = this.action.name;
    if ((action === 'DENY' || action === 'CUSTOM') && (this.rules ?? []).length === 0) {
      out.push(formatProblem(Codes.POLICY_WITHOUT_RULES,
        `rules: a ${action} policy without rules matches no request, so it ${action === 'DENY' ? 'denies' : 'delegates'} nothing; add rules`));
    }
    out.push(...this.providerProblems());
    const all = this.node.root.node.findAll();
    const known = new Set([
      ...all.filter((c): c is ServiceSecurity => ServiceSecurity.isServiceSecurity(c)).map((s) => s.service.principal.toString()),
      // The app's batch jobs (MeshCronJob), which run as ServiceAccounts of their own.
      ...all.filter((c) => isMeshChart(c)).flatMap((c) => (c as IMeshChart)._workloadPrincipals),
    ]);
    const mtls = this.service ? ServiceSecurity.of(this.service).mtlsMode : this.security.defaultMode.mode;
    out.push(
      ...ruleProblems(this.rules ?? [], {
        knownPrincipals: known,
        mtls,
        target: this.service ? `workload ${this.service.name}` : `namespace ${this.security.namespace}`,
        action,
      }),
    );
    return out;
  }
}

/**
 * The external authorizers the CUSTOM policies of the app under `scope` were given as {@link ExtAuthzProvider}s, by name, for
 * the istiod values' `extensionProviders`.
 */
export function extAuthzProvidersOf(scope: IConstruct): ExtAuthzProvider[] {
  const byName = new Map<string, ExtAuthzProvider>();
  for (const c of scope.node.root.node.findAll()) {
    const provider = MeshAuthorizationPolicy.isMeshAuthorizationPolicy(c) ? c.action._extAuthz : undefined;
    if (provider && !byName.has(provider.name)) byName.set(provider.name, provider);
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}
