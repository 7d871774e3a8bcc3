import { Construct } from 'constructs';
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
import { isMeshChart } from '../../graph/brands';
import type { IMeshChart } from '../../graph/interfaces';

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
   * mesh config (an external authorizer).
   */
  public static custom(provider: string): AuthorizationAction {
    if (provider.trim() === '') throw new MeshError(Codes.POLICY_WITHOUT_RULES, 'provider: a CUSTOM policy needs an extension provider');
    return new CustomAction(provider);
  }

  /** Istio's name of the action. */
  public abstract readonly name: AuthorizationActionName;

  /**
   * The policy fields the action sets: the action, and the provider of a CUSTOM one.
   * @internal
   */
  public abstract _render(): { readonly action: AuthorizationActionName; readonly provider?: string };

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

  public constructor(private readonly provider: string) {
    super();
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
export class MeshAuthorizationPolicy extends Construct {
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
