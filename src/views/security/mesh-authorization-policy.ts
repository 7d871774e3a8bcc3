import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { AuthorizationPolicy, AuthorizationPolicySpec, AuthorizationPolicySpecAction } from '../../../imports/security.istio.io';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { Labels, MANAGED_BY } from '../../core/labels';
import { dns1123LabelProblem } from '../../core/names';
import type { IMeshService } from '../../graph/mesh-service';
import { AuthorizationRule, renderRule, ruleProblems } from './authorization-rule';
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
  private readonly props: MeshAuthorizationPolicyProps;
  private readonly security: MeshSecurity;

  public constructor(scope: Construct, id: string, props: MeshAuthorizationPolicyProps = {}) {
    super(scope, id);
    this.props = props;
    this.name = props.name ?? id;
    this.action = props.action ?? 'ALLOW';
    this.security = MeshSecurity.of(this);
    new AuthorizationPolicy(this, 'Resource', {
      metadata: { name: this.name, namespace: this.security.namespace, labels: { [Labels.MANAGED_BY]: MANAGED_BY } },
      spec: Lazy.any({ produce: () => this.toIstio() }),
    });
    this.node.addValidation({ validate: () => this.problems() });
  }

  private toIstio(): AuthorizationPolicySpec {
    const p = this.props;
    return {
      selector: p.service ? { matchLabels: { ...p.service.selectorLabels } } : undefined,
      action: this.action as AuthorizationPolicySpecAction,
      provider: p.provider ? { name: p.provider } : undefined,
      rules: p.rules?.map(renderRule),
    };
  }

  private problems(): string[] {
    const out: string[] = [];
    const p = this.props;
    const nameProblem = dns1123LabelProblem(this.name);
    if (nameProblem) out.push(formatProblem(Codes.INVALID_NAME, `name: ${nameProblem}`));
    if ((this.action === 'DENY' || this.action === 'CUSTOM') && (p.rules ?? []).length === 0) {
      out.push(formatProblem(Codes.POLICY_WITHOUT_RULES,
        `rules: a ${this.action} policy without rules matches no request, so it ${this.action === 'DENY' ? 'denies' : 'delegates'} nothing; add rules`));
    }
    if (this.action === 'CUSTOM' && !p.provider) out.push(formatProblem(Codes.POLICY_WITHOUT_RULES, 'provider: a CUSTOM policy needs an extension provider'));
    if (this.action !== 'CUSTOM' && p.provider) out.push(formatProblem(Codes.POLICY_WITHOUT_RULES, `provider: only a CUSTOM policy takes a provider (action is ${this.action})`));
    const known = new Set(this.node.root.node.findAll().filter((c): c is ServiceSecurity => c instanceof ServiceSecurity)
      .map((s) => s.service.principal.toString()));
    const mtls = p.service ? ServiceSecurity.of(p.service).mtlsMode : this.security.defaultMode.mode;
    out.push(...ruleProblems(p.rules ?? [], { knownPrincipals: known, mtls, target: p.service ? `workload ${p.service.name}` : `namespace ${this.security.namespace}` }));
    return out;
  }
}
