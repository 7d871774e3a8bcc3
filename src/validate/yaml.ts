/**
 * Reads manifests the way kube-apiserver and kubectl read them: sigs.k8s.io/yaml,
 * which decodes with its fork of go-yaml v2 (YAML 1.1: `yes`/`on` are booleans,
 * `0755` is octal) and converts the result to JSON.
 *
 * One difference from YAML 1.2 parsers matters for mesh config: in go-yaml v2 a
 * `:` ends a plain scalar only when a blank follows it, also inside a flow
 * collection (https://github.com/kubernetes-sigs/yaml/blob/master/goyaml.v2/scannerc.go,
 * yaml_parser_scan_plain_scalar), so `addresses: [001:db8::, 2001:db8::1]` holds two
 * strings, where the `yaml` package reads the first as a one-key map.
 */
import * as YAML from 'yaml';
import { Manifest } from './finding';

/** The documents of `text`, as go-yaml v2 decodes them; `List` objects are flattened. Throws on a syntax error. */
export function parseManifests(text: string): Manifest[] {
  const out: Manifest[] = [];
  // Unquoted dates stay strings: decoded into interface{}, go-yaml v2 keeps a timestamp's text.
  const customTags = (tags: YAML.Tags) => tags.filter((t) => (t as any).tag !== 'tag:yaml.org,2002:timestamp');
  for (const doc of YAML.parseAllDocuments(text, { version: '1.1', uniqueKeys: false, customTags })) {
    if (doc.errors.length > 0) throw new Error(doc.errors[0].message);
    restoreFlowScalars(doc, text);
    const value = doc.toJS({ maxAliasCount: -1 });
    if (value === null || value === undefined) continue;
    if (value.kind === 'List' && Array.isArray(value.items)) out.push(...value.items);
    else out.push(value);
  }
  return out;
}

/** Turns the implicit one-pair maps that `abc:` makes in a flow sequence back into the plain scalars go-yaml reads. */
function restoreFlowScalars(doc: YAML.Document.Parsed, text: string): void {
  YAML.visit(doc, {
    Seq(_key, seq) {
      if (!seq.flow) return;
      seq.items = seq.items.map((item) => {
        if (!YAML.isMap(item) || !item.range || text[item.range[0]] === '{' || item.items.length !== 1) return item;
        const pair = item.items[0];
        const empty = pair.value === null || (YAML.isScalar(pair.value) && pair.value.value === null && pair.value.range?.[0] === pair.value.range?.[1]);
        const raw = text.slice(item.range[0], item.range[1]).trimEnd();
        if (!empty || !raw.endsWith(':')) return item;
        return doc.createNode(raw);
      });
    },
  });
}
