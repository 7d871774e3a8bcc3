/**
 * Which environments of a tree are namespaces of one cluster and app: those whose objects
 * name one another's namespaces. The connectivity diff evaluates them together.
 */
import type { Manifest } from '../validate/finding';
import { serviceOfHost } from '../validate/model/hosts';

/**
 * The environments whose objects name one another's namespaces, each with its group (itself
 * first): an AuthorizationPolicy principal `.../ns/<namespace>/...`, a NetworkPolicy peer's
 * `kubernetes.io/metadata.name: <namespace>`, a Sidecar egress host `<namespace>/...`, a
 * route or DestinationRule host `*.<namespace>.svc.cluster.local`. Environments with the same
 * namespace are separate clusters and never grouped.
 */
export function namespaceGroups(
  envs: readonly string[],
  namespaceOf: ReadonlyMap<string, string>,
  ...sides: ReadonlyMap<string, readonly Manifest[]>[]
): Map<string, string[]> {
  const envOfNamespace = new Map<string, string[]>();
  for (const env of envs) envOfNamespace.set(namespaceOf.get(env)!, [...(envOfNamespace.get(namespaceOf.get(env)!) ?? []), env]);
  const parent = new Map(envs.map((e) => [e, e]));
  const find = (e: string): string => (parent.get(e) === e ? e : find(parent.get(e)!));
  for (const env of envs) {
    const own = namespaceOf.get(env)!;
    const referenced = new Set<string>();
    for (const side of sides) for (const m of side.get(env) ?? []) namespacesReferenced(m, referenced);
    for (const ns of referenced) {
      const targets = ns === own ? [] : (envOfNamespace.get(ns) ?? []);
      // a namespace two environments share is not one cluster's: no join
      if (targets.length === 1) parent.set(find(targets[0]), find(env));
    }
  }
  const members = new Map<string, string[]>();
  for (const env of envs) members.set(find(env), [...(members.get(find(env)) ?? []), env]);
  return new Map(
    envs.map((env) => {
      const group = members.get(find(env))!;
      return [env, [env, ...group.filter((e) => e !== env)]];
    }),
  );
}

/** The other namespaces a manifest's cross-namespace references name, added to `out`. */
function namespacesReferenced(m: Manifest, out: Set<string>): void {
  // A cluster host names its namespace as istioctl analyze reads it (util.GetFullNameFromFQDN), a
  // StatefulSet pod's own name (`web-0.web.<namespace>.svc.cluster.local`) included.
  const host = (h: unknown) => {
    const x = serviceOfHost(String(h).split('/').pop() ?? '');
    if (x) out.add(x.namespace);
  };
  switch (m.kind) {
    case 'AuthorizationPolicy':
      for (const r of m.spec?.rules ?? []) for (const f of r?.from ?? []) for (const p of f?.source?.principals ?? []) {
        const x = /\/ns\/([^/]+)\//.exec(String(p));
        if (x) out.add(x[1]);
      }
      break;
    case 'NetworkPolicy':
      for (const rule of [...(m.spec?.ingress ?? []), ...(m.spec?.egress ?? [])]) {
        for (const peer of [...(rule?.from ?? []), ...(rule?.to ?? [])]) {
          const name = peer?.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
          if (typeof name === 'string') out.add(name);
        }
      }
      break;
    case 'Sidecar':
      for (const e of m.spec?.egress ?? []) for (const h of e?.hosts ?? []) {
        const ns = String(h).split('/')[0];
        if (ns !== '.' && ns !== '*' && ns !== '~') out.add(ns);
        host(h);
      }
      break;
    case 'VirtualService':
      for (const r of m.spec?.http ?? []) for (const d of r?.route ?? []) host(d?.destination?.host);
      break;
    case 'DestinationRule':
      host(m.spec?.host);
      break;
  }
}
