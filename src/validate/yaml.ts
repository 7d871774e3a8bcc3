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
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';

/** The documents of `text`, as go-yaml v2 decodes them; `List` objects are flattened. Throws on a syntax error. */
export function parseManifests(text: string): Manifest[] {
  const out: Manifest[] = [];
  // Unquoted dates stay strings: decoded into interface{}, go-yaml v2 keeps a timestamp's text.
  // A float needs a digit on one side of its point (go-yaml v2 resolve.go, yamlStyleFloat): the
  // `yaml` package's YAML 1.1 schema would also read `e0` or `.` as NaN.
  const customTags = (tags: YAML.Tags) => tags
    .filter((t) => (t as any).tag !== 'tag:yaml.org,2002:timestamp')
    .map((t) => {
      const tag = t as any;
      if (tag.tag !== 'tag:yaml.org,2002:float' || tag.format === 'TIME') return t;
      if (tag.format === 'EXP') return { ...tag, test: /^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$/ };
      if (String(tag.test).includes('inf')) return t;
      return { ...tag, test: /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)$/ };
    });
  for (const doc of YAML.parseAllDocuments(text, { version: '1.1', uniqueKeys: false, customTags })) {
    if (doc.errors.length > 0) throw new MeshError(Codes.UNPARSABLE_MANIFEST, doc.errors[0].message);
    restoreFlowScalars(doc, text);
    out.push(...listItems(doc.toJS({ maxAliasCount: -1 })));
  }
  return out;
}

/**
 * `value` without the fields whose value is null (`http:` left empty), as the API server reads a manifest: a null field of a
 * custom resource is pruned before validation (apiextensions-apiserver pkg/apiserver/schema/defaulting/prunenulls.go,
 * PruneNonNullableNullsWithoutDefaults), and a null field of a built-in kind decodes as unset. List items are kept as written.
 */
function withoutNullFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNullFields);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNullFields(v);
  return out;
}

/**
 * The objects of one decoded document, as the API server reads them (their null fields left out: {@link withoutNullFields}):
 * none for an empty one, a `List`'s items, else the document itself.
 */
export function listItems(value: unknown): Manifest[] {
  if (value === null || value === undefined) return [];
  const v = withoutNullFields(value) as Manifest;
  return v.kind === 'List' && Array.isArray(v.items) ? v.items : [v];
}

/** Turns the implicit one-pair maps that `abc:` makes in a flow sequence back into the plain scalars go-yaml reads. */
function restoreFlowScalars(doc: YAML.Document.Parsed, text: string): void {
  YAML.visit(doc, {
    Seq(_key, seq) {
      if (!seq.flow) return;
      seq.items = seq.items.map((item) => {
        if (!YAML.isMap(item) || !item.range || text[item.range[0]] === '{' || item.items.length !== 1) return item;
        const pair = item.items[0];
        const empty =
          pair.value === null || (YAML.isScalar(pair.value) && pair.value.value === null && pair.value.range?.[0] === pair.value.range?.[1]);
        const raw = text.slice(item.range[0], item.range[1]).trimEnd();
        // go-yaml keeps the `:` only when no blank follows it: `[001:db8::]`, not `[001:db8:: ]`.
        if (!empty || !raw.endsWith(':') || !/[,\]}]/.test(text[item.range[0] + raw.length] ?? '')) return item;
        return doc.createNode(raw);
      });
    },
  });
}

/**
 * Whether js-yaml (YAML 1.2's core schema) and go-yaml v2 (YAML 1.1) could decode `text`
 * differently. Conservative: a false positive only costs the slower YAML 1.1 parse. The
 * differences are YAML 1.1's booleans (`y`, `yes`, `on`, `off`, ... https://yaml.org/type/bool.html),
 * its integers (`0755` octal, `0b1`, `1_000`, base 60 `1:20`; https://yaml.org/type/int.html),
 * timestamps (go-yaml keeps their text, js-yaml makes dates) and a `:` without a following blank
 * inside a flow collection (see {@link parseManifests}).
 */
export function mayDecodeDifferentlyAsYaml11(text: string): boolean {
  return YAML11_BOOLEAN.test(text) || YAML11_NUMBER.test(text) || TIMESTAMP.test(text) || FLOW_COLON.test(text);
}

const YAML11_BOOLEAN = /(?:^|[\s[\]{},:?-])(?:[yYnN]|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)(?=[ \t]*(?:$|[,\]}#:]))/m;
const YAML11_NUMBER = /(?:^|[\s[,:-])[-+]?(?:0[0-9_bxBX]|[0-9][0-9_]*:[0-5]?[0-9]|[0-9]+_)/m;
const TIMESTAMP = /[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}/;
const FLOW_COLON = /[[{][^\n]*:[^\s]/;
