import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AuthorizationPolicy, AuthorizationPolicySpec, AuthorizationPolicySpecAction, AuthorizationPolicySpecRules,
} from '../../../imports/security.istio.io';
import type { AuthorizationCondition, AuthorizationOperation } from '../../core/authorization';
import { ruleMethods } from '../../core/http';
import { lazyWithoutUnset } from '../../private/defined';

/**
 * AuthorizationPolicies: the rules of `AuthorizationRule`s with their services resolved to principals, and the
 * object, built at synth. ServiceSecurity, MeshSecurity, MeshAuthorizationPolicy and GlobalRateLimit write theirs here.
 */

/** A rule's source as rendered: its services already resolved to their principals. */
export interface ResolvedSource {
  /** Peer principals, strings; empty for none. */
  readonly principals: readonly string[];
  /** Namespaces of calling workloads. */
  readonly namespaces?: readonly string[];
  /** End-user identities. */
  readonly requestPrincipals?: readonly string[];
  /** Peer identities that must not match (`*`: requests without one). */
  readonly notPrincipals?: readonly string[];
  /** Namespaces of calling workloads that must not match. */
  readonly notNamespaces?: readonly string[];
  /** The connection's source addresses, CIDRs. */
  readonly ipBlocks?: readonly string[];
  /** The original client's addresses (X-Forwarded-For), CIDRs. */
  readonly remoteIpBlocks?: readonly string[];
}

/** An AuthorizationPolicy rule as rendered: an `AuthorizationRule` with its sources resolved (`resolveRule`). */
export interface ResolvedRule {
  /** Sources, any of which matches. */
  readonly from?: readonly ResolvedSource[];
  /** Operations, any of which matches. */
  readonly to?: readonly AuthorizationOperation[];
  /** Conditions, all of which must hold. */
  readonly when?: readonly AuthorizationCondition[];
}

/**
 * The AuthorizationPolicy that ServiceSecurity, MeshSecurity, MeshAuthorizationPolicy and GlobalRateLimit each
 * render (its own shape, not a construct's: four constructs share this renderer); all unset is the allow-nothing
 * policy (`spec: {}`).
 */
export interface AuthorizationPolicyShape {
  /** The selected pods' labels; none for every workload of the namespace. */
  readonly selector?: Readonly<Record<string, string>>;
  /** The action. */
  readonly action?: 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';
  /** The extension provider of a CUSTOM policy. */
  readonly provider?: string;
  /** The rules. */
  readonly rules?: readonly ResolvedRule[];
}

/**
 * Istio's form of a rule.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Rule
 */
export function renderRule(r: ResolvedRule): AuthorizationPolicySpecRules {
  return {
    from: r.from?.map((s) => ({
      source: {
        principals: s.principals.length > 0 ? [...s.principals] : undefined,
        namespaces: s.namespaces ? [...s.namespaces] : undefined,
        requestPrincipals: s.requestPrincipals ? [...s.requestPrincipals] : undefined,
        notPrincipals: s.notPrincipals ? [...s.notPrincipals] : undefined,
        notNamespaces: s.notNamespaces ? [...s.notNamespaces] : undefined,
        ipBlocks: s.ipBlocks ? [...s.ipBlocks] : undefined,
        remoteIpBlocks: s.remoteIpBlocks ? [...s.remoteIpBlocks] : undefined,
      },
    })),
    to: r.to?.map((o) => ({
      operation: {
        methods: ruleMethods(o.methods),
        paths: o.paths ? [...o.paths] : undefined,
        notPaths: o.notPaths ? [...o.notPaths] : undefined,
        ports: o.ports ? o.ports.map(String) : undefined,
      },
    })),
    when: r.when?.map((w) => ({ key: w.key, values: w.values ? [...w.values] : undefined, notValues: w.notValues ? [...w.notValues] : undefined })),
  };
}

/**
 * The spec of an AuthorizationPolicy.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
export function renderAuthorizationPolicySpec(s: AuthorizationPolicyShape): AuthorizationPolicySpec {
  return {
    selector: s.selector ? { matchLabels: { ...s.selector } } : undefined,
    action: s.action as AuthorizationPolicySpecAction | undefined,
    provider: s.provider ? { name: s.provider } : undefined,
    rules: s.rules?.map(renderRule),
  };
}

/** An AuthorizationPolicy (security.istio.io/v1) under `scope`, its spec read at synth. */
export function addAuthorizationPolicy(scope: Construct, id: string, metadata: ApiObjectMetadata, state: () => AuthorizationPolicyShape): ApiObject {
  return new AuthorizationPolicy(scope, id, { metadata, spec: lazyWithoutUnset(() => renderAuthorizationPolicySpec(state())) });
}
