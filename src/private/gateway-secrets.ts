import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Codes } from '../core/codes';
import { formatProblem } from '../core/errors';

/**
 * MESH665: a server's `credentialName` names a Secret that the app writes, but in no
 * namespace the gateway workload reads (its pods' namespace, `workloadNamespace`).
 * @see https://istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/
 */
export function credentialSecretProblems(scope: IConstruct, credentialNames: readonly string[], workloadNamespace: string): string[] {
  const wanted = new Set(credentialNames);
  if (wanted.size === 0) return [];
  const found = new Map<string, string[]>();
  for (const c of scope.node.root.node.findAll()) {
    if (!ApiObject.isApiObject(c) || c.kind !== 'Secret' || c.apiVersion !== 'v1' || !wanted.has(c.name)) continue;
    found.set(c.name, [...(found.get(c.name) ?? []), c.metadata.namespace ?? 'default']);
  }
  const out: string[] = [];
  for (const [name, namespaces] of [...found].sort()) {
    if (namespaces.includes(workloadNamespace)) continue;
    out.push(
      formatProblem(
        Codes.GATEWAY_SECRET_NAMESPACE,
        `tls.credentialName: Secret '${name}' is written in ${[...new Set(namespaces)].sort().join(', ')}, but the gateway pods read it in their `
          + `own namespace, ${workloadNamespace}`,
      ),
    );
  }
  return out;
}
