/**
 * Istio's own CRD validation test data, classified exactly at the two releases whose CRDs the
 * package carries: every document of istio/istio pkg/config/validation/testdata/crds (1.24.6 and
 * 1.30.3, committed under test/fixtures/istio-crd-testdata/<tag>) with an `_err` is refused by
 * the API server's checks, every other one passes them and istiod's webhook. Istio runs the same
 * data through its CRDs and its webhook in pkg/config/validation/openapi_test.go (TestCRDs).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IstioVersion } from '../../src';
import { isError } from '../../src/validate/finding';
import { parseManifests, validateManifests } from '../../src/validate';

const ROOT = path.join(__dirname, '..', 'fixtures', 'istio-crd-testdata');
const API_SERVER_CODES = ['MESH150', 'MESH151', 'MESH152', 'MESH154', 'MESH171'];

interface Case { readonly file: string; readonly name: string; readonly want?: string; readonly doc: Record<string, any> }

function cases(tag: string): Case[] {
  const dir = path.join(ROOT, tag);
  return fs.readdirSync(dir).sort().flatMap((file) => parseManifests(fs.readFileSync(path.join(dir, file), 'utf8')).map((doc) => {
    const { _err: want, ...rest } = doc;
    return { file, name: String(doc.metadata?.name), want, doc: rest };
  }));
}

describe.each([['1.24.6', '1.24', 97], ['1.30.3', '1.30', 109]] as const)("Istio %s's CRD test data", (tag, release: IstioVersion, count) => {
  const all = cases(tag);
  const verdict = (c: Case) => validateManifests([c.doc], { schemaOnly: true, istioVersion: release }).filter(isError);

  test(`holds ${count} documents, each classified exactly`, () => {
    expect(all).toHaveLength(count);
    const wrong = all.flatMap((c) => {
      const errors = verdict(c);
      const refused = errors.some((f) => API_SERVER_CODES.includes(f.code));
      const ok = c.want === undefined ? errors.length === 0 : refused;
      const got = JSON.stringify(errors.map((f) => `${f.code} ${f.field} ${f.message}`));
      return ok ? [] : [`${c.file} ${c.name}: want ${c.want ?? 'valid'}, got ${got}`];
    });
    expect(wrong).toEqual([]);
  });

  test('the valid ones pass, the invalid ones are refused by the API server before the webhook', () => {
    const valid = all.filter((c) => c.want === undefined);
    const invalid = all.filter((c) => c.want !== undefined);
    expect(valid.length).toBeGreaterThan(20);
    expect(invalid.length).toBeGreaterThan(60);
    // The webhook runs only on what the API server admitted: no invalid document has a webhook finding.
    for (const c of invalid) expect(verdict(c).filter((f) => !API_SERVER_CODES.includes(f.code))).toEqual([]);
  });
});

test('a 1.30 field is refused at 1.24 and accepted at 1.30: the release decides, not both bundles', () => {
  const doc = cases('1.30.3').find((c) => c.file === 'reqauth-valid.yaml')!.doc;
  expect(validateManifests([doc], { schemaOnly: true, istioVersion: '1.30' })).toEqual([]);
  expect(validateManifests([doc], { schemaOnly: true, istioVersion: '1.24' }).map((f) => `${f.code} ${f.message}`))
    .toEqual(["MESH150 must NOT have additional properties 'spaceDelimitedClaims' (istio-1.24.6)"]);
});
