import { Construct } from 'constructs';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { Labels, MANAGED_BY } from '../../core/labels';
import { dns1123LabelProblem } from '../../core/names';
import { addAuthorizationPolicy } from '../../render/security';
import type { IMeshService } from '../../graph/mesh-service';
import { AuthorizationRule, ruleProblems, ruleState } from './authorization-rule';
import { MeshSecurity } from './mesh-security';
import { ServiceSecurity } from './service-security';

/** What an AuthorizationPolicy does with the requests its rules match. */
export type AuthorizationAction = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

/** Props for {@link MeshAuthorizationPolicy}. */
export interface MeshAuthorizationPolicyProps {
  /**
   * The policy's name.
   * @default - the construct's id
   */
  readonly name?: string;
  /**
   * The action on matching requests.
   * @default 'ALLOW'
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
  readonly rules?: AuthorizationRule[];
  /**
   * The extension provider a CUSTOM policy delegates to (an external authorizer).
   * @default - none; required for CUSTOM
   * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#AuthorizationPolicy-ExtensionProvider
   */
  readonly provider?: string;
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
  /** The extension provider of a CUSTOM policy. */
  public readonly provider?: string;
  private readonly security: MeshSecurity;

  public constructor(scope: Construct, id: string, props: MeshAuthorizationPolicyProps = {}) {
    super(scope, id);
    this.name = props.name ?? id;
    this.action = props.action ?? 'ALLOW';
    this.service = props.service;
    this.rules = props.rules ? [...props.rules] : undefined;
    this.provider = props.provider;
    this.security = MeshSecurity.of(this);
    addAuthorizationPolicy(this, 'Resource', { name: this.name, namespace: this.security.namespace, labels: { [Labels.MANAGED_BY]: MANAGED_BY } }, () => ({
      selector: this.service?.selectorLabels,
      action: this.action,
      provider: this.provider,
      rules: this.rules?.map(ruleState),
    }));
    this.node.addValidation({ validate: () => this.problems() });
  }

  private problems(): string[] {
    const out: string[] = [];
    const nameProblem = dns1123LabelProblem(this.name);
    if (nameProblem) out.push(formatProblem(Codes.INVALID_NAME, `name: ${nameProblem}`));
    if ((this.action === 'DENY' || this.action === 'CUSTOM') && (this.rules ?? []).length === 0) {
      out.push(formatProblem(Codes.POLICY_WITHOUT_RULES,
        `rules: a ${this.action} policy without rules matches no request, so it ${this.action === 'DENY' ? 'denies' : 'delegates'} nothing; add rules`));
    }
    if (this.action === 'CUSTOM' && !this.provider) out.push(formatProblem(Codes.POLICY_WITHOUT_RULES, 'provider: a CUSTOM policy needs an extension provider'));
    if (this.action !== 'CUSTOM' && this.provider) out.push(formatProblem(Codes.POLICY_WITHOUT_RULES, `provider: only a CUSTOM policy takes a provider (action is ${this.action})`));
    const known = new Set(this.node.root.node.findAll().filter((c): c is ServiceSecurity => ServiceSecurity.isServiceSecurity(c))
      .map((s) => s.service.principal.toString()));
    const mtls = this.service ? ServiceSecurity.of(this.service).mtlsMode : this.security.defaultMode.mode;
    out.push(...ruleProblems(this.rules ?? [], { knownPrincipals: known, mtls, target: this.service ? `workload ${this.service.name}` : `namespace ${this.security.namespace}` }));
    return out;
  }
}
