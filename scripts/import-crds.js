#!/usr/bin/env node
// Regenerates, from the CRD bundles named in cdk8s.yaml (`crdBundles`):
// - imports/, with `cdk8s import` (and one rewrite of its output: imports-rewrite.js);
// - schemas/<bundle>.json, what validation needs of each bundle (served versions'
//   openAPIV3Schema with their CEL rules, group, kind), which the package carries.
// The CRD files are read where they live (default ../shared/crds, or $CDK8S_MESH_CRDS);
// they are never copied into the project.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const jsyaml = require('js-yaml');
const { bundleSources, crdSourceDirectory, schemaBundle, schemaBundleText } = require('./crd-bundles');
const { rewriteImport } = require('./imports-rewrite');

const root = path.resolve(__dirname, '..');
const crdDir = crdSourceDirectory();
const sources = bundleSources();
const read = (bundle) => {
  const src = path.join(crdDir, `${bundle}.yaml`);
  if (!fs.existsSync(src)) throw new Error(`import-crds: ${src} not found (set CDK8S_MESH_CRDS to the CRD directory)`);
  return fs.readFileSync(src, 'utf8');
};

// schemas/: one file per bundle, and nothing else.
const schemas = path.join(root, 'schemas');
fs.rmSync(schemas, { recursive: true, force: true });
fs.mkdirSync(schemas);
for (const [bundle, url] of Object.entries(sources)) {
  fs.writeFileSync(path.join(schemas, `${bundle}.json`), schemaBundleText(schemaBundle(bundle, url, read(bundle))));
}

// imports/: one `cdk8s import` per unit: files of one API group must be imported together,
// or the second import overwrites the first one's module.
const units = {
  istio: ['istio-1.24.6'],
  flagger: ['flagger-1.44.0'],
  'prometheus-operator': [
    'prometheus-operator-0.93.0-prometheusrules',
    'prometheus-operator-0.93.0-servicemonitors',
    'prometheus-operator-0.93.0-podmonitors',
  ],
};
const out = path.join(root, 'imports');
// cdk8s-cli's YAML reader rejects multi-line quoted scalars that kube-apiserver accepts
// (Flagger's descriptions), so each unit is first normalised to JSON documents in a
// temporary directory outside the project.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-mesh-crds-'));
fs.rmSync(out, { recursive: true, force: true });
try {
  for (const [unit, bundles] of Object.entries(units)) {
    const docs = bundles.flatMap((b) => jsyaml.loadAll(read(b)).filter(Boolean));
    const normalised = path.join(tmp, `${unit}.json`);
    fs.writeFileSync(normalised, docs.map((d) => JSON.stringify(d)).join('\n---\n'));
    execFileSync(path.join(root, 'node_modules/.bin/cdk8s'), ['import', normalised, '--language', 'typescript', '--output', out], {
      // Run outside the project: `cdk8s import` records its sources in the cdk8s.yaml of its
      // working directory, and these are temporary files.
      cwd: tmp,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
    });
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
// The generated undefined-filter, quadratic in an object's keys, becomes a linear helper (imports-rewrite.js).
for (const file of fs.readdirSync(out).filter((f) => f.endsWith('.ts'))) {
  const p = path.join(out, file);
  fs.writeFileSync(p, rewriteImport(fs.readFileSync(p, 'utf8')));
}
console.log(
  `imports/ and schemas/ regenerated from ${crdDir}: ${fs.readdirSync(out).sort().join(', ')}; ${fs.readdirSync(schemas).sort().join(', ')}`,
);
