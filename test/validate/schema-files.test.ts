import * as fs from 'node:fs';
import { withSharedData } from '../util';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { loadCrdBundles, packagedSchemaDirectory, resolveCrdDirectory } from '../../src/validate/crd-schemas';
import { checkCustomResource } from '../../src/validate/schema';
import { route, virtualService } from './fixtures';

const ROOT = path.join(__dirname, '..', '..');

const bundles = require('../../scripts/crd-bundles') as {
  bundleSources(): Record<string, string>;
  crdSourceDirectory(): string;
  schemaBundle(name: string, source: string, text: string): unknown;
  schemaBundleText(bundle: unknown): string;
};

describe('schemas/: what validation needs of each CRD bundle, carried by the package', () => {
  const config = YAML.parse(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8'));

  test('one file per bundle cdk8s.yaml names, each with its upstream URL; imports/ comes from bundles among them', () => {
    const sources = bundles.bundleSources();
    expect(fs.readdirSync(path.join(ROOT, 'schemas')).sort()).toEqual(Object.keys(sources).map((b) => `${b}.json`).sort());
    for (const [bundle, url] of Object.entries(sources)) {
      expect(url).toMatch(/^https:\/\/raw\.githubusercontent\.com\/(istio\/istio|fluxcd\/flagger|prometheus-operator\/prometheus-operator)\//);
      expect(JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas', `${bundle}.json`), 'utf8'))).toMatchObject({ bundle, source: url });
    }
    for (const url of config.imports) expect(Object.values(sources)).toContain(url);
  });

  test('validation reads them by default, with no CRD option', () => {
    const saved = process.env.CDK8S_MESH_CRDS;
    delete process.env.CDK8S_MESH_CRDS;
    try {
      expect(resolveCrdDirectory()).toBe(packagedSchemaDirectory());
      expect(packagedSchemaDirectory()).toBe(path.join(ROOT, 'schemas'));
    } finally {
      if (saved !== undefined) process.env.CDK8S_MESH_CRDS = saved;
    }
    const names = loadCrdBundles(packagedSchemaDirectory()).map((b) => b.name);
    expect(names).toEqual(['flagger-1.44.0', 'istio-1.24.6', 'istio-1.30.3', 'prometheus-operator-0.93.0-podmonitors',
      'prometheus-operator-0.93.0-prometheusrules', 'prometheus-operator-0.93.0-servicemonitors']);
  });

  // The CRD files are the source; where they are at hand (a checkout with ../shared/crds, or
  // $CDK8S_MESH_CRDS), the committed files must be what they give. CI regenerates them too.
  const source = bundles.crdSourceDirectory();
  const withSource = withSharedData(source);

  withSource('are what `npm run import` generates from the CRDs: run it and commit schemas/ when this fails', () => {
    for (const [bundle, url] of Object.entries(bundles.bundleSources())) {
      const text = fs.readFileSync(path.join(source, `${bundle}.yaml`), 'utf8');
      const fresh = bundles.schemaBundleText(bundles.schemaBundle(bundle, url, text));
      expect(fs.readFileSync(path.join(ROOT, 'schemas', `${bundle}.json`), 'utf8') === fresh).toBe(true);
    }
  });

  withSource('give the verdicts the CRD files give', () => {
    const fromCrds = loadCrdBundles(source);
    const fromSchemas = loadCrdBundles(packagedSchemaDirectory());
    const cases = [
      virtualService('orders', [route('orders')]),
      virtualService('orders', [{ ...route('orders'), timeout: '999us' }]),
      virtualService('orders', [{ ...route('orders'), retries: { attempts: 2, backoff: '25ms' } }]),
      { ...virtualService('orders', [route('orders')]), apiVersion: 'networking.istio.io/v9' },
      { ...virtualService('orders', [route('orders')]), spec: { hosts: 'orders', bogus: 1 } },
    ];
    for (const m of cases) expect(checkCustomResource(m, fromSchemas)).toEqual(checkCustomResource(m, fromCrds));
    expect(cases.map((m) => checkCustomResource(m, fromSchemas)!.length)).toEqual([0, 1, 1, 1, 2]);
  });
});
