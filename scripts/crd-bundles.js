// The CRD bundles the library targets and the part of each that validation needs.
// Shared by `npm run import` (which writes schemas/<bundle>.json) and the test that
// checks the committed files are what the CRDs give.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const jsyaml = require('js-yaml');
const YAML = require('yaml');

const root = path.resolve(__dirname, '..');

/** `{ <bundle>: <upstream URL> }` from cdk8s.yaml's `crdBundles`. */
function bundleSources() {
  const config = YAML.parse(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8'));
  return config.crdBundles;
}

/** The CRD directory: $CDK8S_MESH_CRDS, else ../shared/crds beside the project. */
function crdSourceDirectory() {
  return path.resolve(root, process.env.CDK8S_MESH_CRDS || '../shared/crds');
}

// Keys whose values are data, not schemas: never walked.
const DATA_KEYS = new Set(['default', 'enum', 'example', 'x-kubernetes-validations']);

/**
 * A schema without what no check reads: `description` texts (a property named
 * `description` is a schema object, so it stays).
 */
function stripSchema(s) {
  if (Array.isArray(s)) return s.map(stripSchema);
  if (!s || typeof s !== 'object') return s;
  const out = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'description' && typeof v === 'string') continue;
    out[k] = DATA_KEYS.has(k) ? v : stripSchema(v);
  }
  return out;
}

/**
 * What validation needs of one CRD file: per CRD its group and kind, and per served
 * version its openAPIV3Schema, CEL rules (x-kubernetes-validations) included.
 * js-yaml reads the file, as the API server would: Flagger's CRDs hold multi-line
 * quoted descriptions that some YAML readers reject.
 */
function schemaBundle(name, source, text) {
  const crds = [];
  for (const doc of jsyaml.loadAll(text)) {
    if (!doc || doc.kind !== 'CustomResourceDefinition') continue;
    const versions = (doc.spec.versions || [])
      .filter((v) => v.served !== false)
      .map((v) => ({
        name: v.name,
        schema: stripSchema((v.schema && v.schema.openAPIV3Schema) || (doc.spec.validation && doc.spec.validation.openAPIV3Schema)
          || { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }),
      }));
    crds.push({ group: doc.spec.group, kind: doc.spec.names.kind, versions });
  }
  crds.sort((a, b) => (`${a.group}/${a.kind}` < `${b.group}/${b.kind}` ? -1 : 1));
  return { bundle: name, source, crds };
}

/** The file content of a schema bundle: stable JSON, one property per line. */
function schemaBundleText(bundle) {
  return `${JSON.stringify(bundle, null, 1)}\n`;
}

module.exports = { bundleSources, crdSourceDirectory, schemaBundle, schemaBundleText, stripSchema };
