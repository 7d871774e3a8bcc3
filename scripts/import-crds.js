#!/usr/bin/env node
// Regenerates imports/ from the CRDs the library targets, with `cdk8s import`.
// The CRD files are read where they live (default ../shared/crds, or $CDK8S_MESH_CRDS);
// they are never copied into the project.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const jsyaml = require('js-yaml');

const root = path.resolve(__dirname, '..');
const crdDir = path.resolve(root, process.env.CDK8S_MESH_CRDS ?? '../shared/crds');
// One `cdk8s import` per unit: files of one API group must be imported together,
// or the second import overwrites the first one's module.
const units = {
  istio: ['istio-1.24.6.yaml'],
  flagger: ['flagger-1.44.0.yaml'],
  'prometheus-operator': [
    'prometheus-operator-0.93.0-prometheusrules.yaml',
    'prometheus-operator-0.93.0-servicemonitors.yaml',
    'prometheus-operator-0.93.0-podmonitors.yaml',
  ],
};
const out = path.join(root, 'imports');
// cdk8s-cli's YAML reader rejects multi-line quoted scalars that kube-apiserver accepts
// (Flagger's descriptions), so each unit is first normalised to JSON documents in a
// temporary directory outside the project.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-mesh-crds-'));
fs.rmSync(out, { recursive: true, force: true });
try {
  for (const [unit, files] of Object.entries(units)) {
    const docs = [];
    for (const file of files) {
      const src = path.join(crdDir, file);
      if (!fs.existsSync(src)) {
        throw new Error(`import-crds: ${src} not found (set CDK8S_MESH_CRDS to the CRD directory)`);
      }
      docs.push(...jsyaml.loadAll(fs.readFileSync(src, 'utf8')).filter(Boolean));
    }
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
console.log(`imports/ regenerated from ${crdDir}: ${fs.readdirSync(out).sort().join(', ')}`);
