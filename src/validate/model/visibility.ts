/**
 * Namespace visibility of Istio configuration (`exportTo`), written once. Istio's own two readings
 * are both here, each named after its source: istiod's, which decides what a proxy in a namespace
 * sees (pilot/pkg/model/push_context.go `IsServiceVisible`, virtualservice_controller.go
 * `convertExportToSet`, `setDestinationRules`), and istioctl analyze's scoped host map
 * (pkg/config/analysis/analyzers/util/service_lookup.go), which the analysis ports.
 *
 * `exportTo` entries are namespaces, `.` (the object's own: visibility.Private), `*` (every
 * namespace: visibility.Public) and `~` (none: visibility.None). An empty list takes the mesh's
 * default (`defaultServiceExportTo`, `defaultVirtualServiceExportTo`, `defaultDestinationRuleExportTo`),
 * `*` on a stock install. https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService (exportTo)
 */

/** The `exportTo` list of an object's spec (`[]` when unset or not a list). */
export function exportToList(exportTo: unknown): string[] {
  return Array.isArray(exportTo) ? exportTo.map(String) : [];
}

/**
 * The namespaces a Service's `networking.istio.io/exportTo` annotation exports it to: `*` when
 * unset, else the comma-separated entries with `.` as the Service's own namespace
 * (`getVisibleNamespacesFromExportToAnno`, service_lookup.go; kube/conversion.go reads the annotation alike).
 */
export function serviceExportTo(annotation: unknown, namespace: string): string[] {
  if (typeof annotation !== 'string' || annotation === '') return ['*'];
  return annotation.split(',').map((e) => (e.trim() === '.' ? namespace : e.trim()));
}

/**
 * The scopes an object of `namespace` is exported to, as istioctl analyze keys its hosts
 * (`InitServiceEntryHostMap`, service_lookup.go): `*` for an empty list or one holding `*`, else
 * each entry with `.` as the own namespace.
 */
export function exportToScopes(exportTo: unknown, namespace: string): string[] {
  const list = exportToList(exportTo);
  if (list.length === 0 || list.includes('*')) return ['*'];
  return [...new Set(list.map((e) => (e === '.' ? namespace : e)))];
}

/**
 * Whether istiod shows an object of `namespace` with `exportTo` (the spec list, or a Service's
 * annotation read by {@link serviceExportTo}) to a proxy of `viewer`: an empty list is the mesh
 * default (`*`); `*` shows it to all, `.` to its own namespace, a name to that namespace, `~` to
 * none (`IsServiceVisible`, push_context.go, with the set of `convertExportToSet`).
 */
export function visibleTo(exportTo: readonly string[], namespace: string, viewer: string): boolean {
  if (exportTo.length === 0) return true;
  return exportTo.some((e) => e === '*' || e === viewer || (e === '.' && namespace === viewer));
}

/**
 * Whether a DestinationRule of `namespace` belongs to its namespace's own rules, those a proxy of
 * that namespace looks at first: exported to all, to `.`, to its own namespace, or by default
 * (`setDestinationRules`, push_context.go: `namespaceLocalDestRules`). A rule with a
 * workloadSelector is private.
 */
export function destinationRuleIsLocal(exportTo: readonly string[], namespace: string): boolean {
  return exportTo.length === 0 || exportTo.some((e) => e === '*' || e === '.' || e === namespace);
}

/**
 * Whether a DestinationRule of `namespace` is exported beyond it: not private-only (a list of
 * just `.` or just its own namespace), with the mesh default `*` for an empty list
 * (`setDestinationRules`: `exportedDestRulesByNamespace`).
 */
export function destinationRuleIsExported(exportTo: readonly string[], namespace: string): boolean {
  const set = new Set(exportTo);
  return !(set.size === 1 && (set.has('.') || set.has(namespace)));
}

/**
 * Whether an exported DestinationRule reaches a client of `viewer`: an empty list, `*`, or the
 * client's namespace named (`getExportedDestinationRuleFromNamespace`, push_context.go; `.` does not
 * count here: the own namespace's proxies found it among the local rules).
 */
export function destinationRuleExportedTo(exportTo: readonly string[], viewer: string): boolean {
  return exportTo.length === 0 || exportTo.includes('*') || exportTo.includes(viewer);
}
