import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import * as jsyaml from 'js-yaml';
import {
  allowedAliasRatio, DEFAULT_MAX_DOCUMENT_BYTES, decodeYamlText, excessiveAliasing, MAX_NESTING_DEPTH,
  maxDocumentBytesOf, parseYamlDocuments, YamlReadError,
} from '../../src/private/yaml-reader';
import { parseManifests, validateManifests } from '../../src/validate';
import { aliasBomb, binary, configMapOfBytes, deepConfigMap } from './hostile-fixtures';

/** The YamlReadError `read` throws; fails the test if it throws nothing else. */
function refusal(read: () => unknown): YamlReadError {
  try {
    read();
  } catch (e) {
    if (e instanceof YamlReadError) return e;
    throw e;
  }
  throw new Error('the reader accepted the input');
}

describe("go-yaml's alias ratio", () => {
  test('99% up to 400,000 decoded nodes, 10% from 4,000,000, linear between', () => {
    expect(allowedAliasRatio(1)).toBe(0.99);
    expect(allowedAliasRatio(400_000)).toBe(0.99);
    expect(allowedAliasRatio(2_200_000)).toBeCloseTo(0.545, 10);
    expect(allowedAliasRatio(4_000_000)).toBe(0.10);
    expect(allowedAliasRatio(40_000_000)).toBe(0.10);
  });

  test('applies only past 100 aliased and 1,000 decoded nodes', () => {
    expect(excessiveAliasing(1000, 999)).toBe(false); // decodeCount not > 1000
    expect(excessiveAliasing(100_000, 100)).toBe(false); // aliasCount not > 100
    expect(excessiveAliasing(1001, 990)).toBe(false); // 98.9%
    expect(excessiveAliasing(1001, 992)).toBe(true); // 99.1%
    expect(excessiveAliasing(4_000_001, 400_000)).toBe(false);
    expect(excessiveAliasing(4_000_001, 400_101)).toBe(true);
  });
});

describe('parseYamlDocuments', () => {
  test('refuses the alias bomb at the line where expansion passes the ratio, without expanding it', () => {
    const e = refusal(() => parseYamlDocuments(aliasBomb(), 'bomb.yaml'));
    // It stops at a few thousand nodes counted, where expanding the nine levels of nine aliases would make 9^9 (387,420,489).
    expect(Number(/ of (\d+) nodes/.exec(e.message)?.[1])).toBeLessThan(10_000);
    expect(e).toMatchObject({ code: 'MESH156', file: 'bomb.yaml', line: 9 });
    expect(e.message).toMatch(
      /^bomb\.yaml:9: document contains excessive aliasing: \d+ of \d+ nodes come from expanding aliases .*CVE-2019-11253\) \[MESH156\]$/,
    );
  });

  test('accepts ordinary aliases and keeps them shared references', () => {
    // GIVEN 150 aliases of an 11-node mapping: 90% of the decoded nodes come from aliases
    const text = `base: &b {${Array.from({ length: 10 }, (_, i) => `k${i}: ${i}`).join(', ')}}\nlist:\n${'  - *b\n'.repeat(150)}`;
    // WHEN read
    const [doc] = parseYamlDocuments(text, 'x.yaml');
    // THEN the value is js-yaml's, every alias the same object
    const value = doc.value as any;
    expect(value.list).toHaveLength(150);
    expect(value.list[149]).toBe(value.base);
    expect(value).toEqual(jsyaml.load(text));
  });

  test('each document is counted on its own, as go-yaml decodes one document at a time', () => {
    const doc = `base: &b {${Array.from({ length: 10 }, (_, i) => `k${i}: ${i}`).join(', ')}}\nlist: [${Array(95).fill('*b').join(', ')}]\n`;
    expect(parseYamlDocuments(Array(20).fill(doc).join('---\n'), 'x.yaml')).toHaveLength(20);
  });

  test('documents up to the limit are read; one byte more is refused, naming the line its content starts on', () => {
    const max = 1000;
    const exact = configMapOfBytes('a', max);
    expect(parseYamlDocuments(exact, 'a.yaml', { maxDocumentBytes: max })).toHaveLength(1);
    // Two documents of the limit each: the limit is per document, not per file.
    expect(parseYamlDocuments(`${exact}---\n${configMapOfBytes('b', max - 4)}`, 'ab.yaml', { maxDocumentBytes: max })).toHaveLength(2);
    const e = refusal(() => parseYamlDocuments(`${exact}---\n${configMapOfBytes('b', max - 3)}`, 'ab.yaml', { maxDocumentBytes: max }));
    expect(e.message).toBe(
      "ab.yaml:8: document is 1001 bytes, over the 1000-byte limit (kube-apiserver's request body limit; raise it with --max-document-bytes) [MESH156]",
    );
    // Bytes, not characters: 'é' is two.
    expect(refusal(() => parseYamlDocuments(exact.replace('xx', 'é'), 'u.yaml', { maxDocumentBytes: max - 1 })).reason).toMatch(/is 1000 bytes/);
  });

  test("the default limit is kube-apiserver's 3 MiB", () => {
    expect(DEFAULT_MAX_DOCUMENT_BYTES).toBe(3 * 1024 * 1024);
    expect(parseYamlDocuments(configMapOfBytes('ok', DEFAULT_MAX_DOCUMENT_BYTES), 'ok.yaml')).toHaveLength(1);
    expect(refusal(() => parseYamlDocuments(configMapOfBytes('big', DEFAULT_MAX_DOCUMENT_BYTES + 1), 'big.yaml')).reason)
      .toMatch(/^document is 3145729 bytes, over the 3145728-byte limit/);
  });

  test('a document whose aliases expand past the limit is refused, though few enough for the ratio', () => {
    // GIVEN a 100 KB string aliased 40 times: 4 MB as kubectl would send it, 40 aliases only
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\nblob: &s "${'x'.repeat(100_000)}"\ncopies:\n${'- *s\n'.repeat(40)}`;
    // WHEN read, THEN refused at the alias that passes 3 MiB (the 31st, line 5 + 31)
    const e = refusal(() => parseYamlDocuments(text, 'strings.yaml'));
    expect(e.message).toMatch(
      /^strings\.yaml:36: document would be over 3145728 bytes with its aliases expanded \(kubectl sends an object as JSON, aliases expanded.*\[MESH156\]$/,
    );
    // With fewer copies it is read, the copies the same string.
    const [doc] = parseYamlDocuments(text.replace(/(- \*s\n){40}/, '- *s\n'.repeat(30)), 'strings.yaml');
    expect((doc.value as any).copies).toHaveLength(30);
  });

  test('expansion is counted through nested anchors', () => {
    // a: 100,000 chars; b: 10 × a = 1 MB; c: 4 × b = 4 MB: 5.1 MB in all, from 54 aliases
    const text = `a: &a "${'y'.repeat(100_000)}"\nb: &b [${Array(10).fill('*a').join(', ')}]\nc: [${Array(4).fill('*b').join(', ')}]\n`;
    expect(refusal(() => parseYamlDocuments(text, 'n.yaml')).message).toMatch(
      /^n\.yaml:3: document would be over 3145728 bytes with its aliases expanded/,
    );
    expect(refusal(() => parseYamlDocuments(text, 'n.yaml', { maxDocumentBytes: 5_000_000 })).line).toBe(3);
    expect(parseYamlDocuments(text, 'n.yaml', { maxDocumentBytes: 5_200_000 })).toHaveLength(1);
  });

  test('whatever the reader accepts, written out with its aliases expanded, stays near the limit', () => {
    // GIVEN chains of anchors, each level a list of `fanout` aliases of the one before
    const max = 20_000;
    const chain = fc.record({
      leaf: fc.integer({ min: 1, max: 3000 }),
      levels: fc.integer({ min: 1, max: 8 }),
      fanout: fc.integer({ min: 1, max: 12 }),
      tail: fc.integer({ min: 0, max: 30 }),
    });
    fc.assert(fc.property(chain, ({ leaf, levels, fanout, tail }) => {
      const lines = [`l0: &l0 "${'z'.repeat(leaf)}"`];
      for (let i = 1; i <= levels; i++) lines.push(`l${i}: &l${i} [${Array(fanout).fill(`*l${i - 1}`).join(', ')}]`);
      lines.push(`tail: [${Array(tail).fill(`*l${levels}`).join(', ')}]`);
      const text = lines.join('\n') + '\n';
      let docs;
      try {
        docs = parseYamlDocuments(text, 'chain.yaml', { maxDocumentBytes: max });
      } catch (e) {
        expect(e).toBeInstanceOf(YamlReadError);
        return;
      }
      // THEN any walk that expands the aliases (here JSON) sees at most about the limit
      expect(JSON.stringify(docs[0].value).length).toBeLessThanOrEqual(1.5 * max);
    }), { numRuns: 300 });
  });

  test('a huge multi-node document is refused as soon as it passes the limit', () => {
    const text = `items:\n${'- {a: 1}\n'.repeat(200_000)}`;
    const e = refusal(() => parseYamlDocuments(text, 'many.yaml', { maxDocumentBytes: 10_000 }));
    expect(e.reason).toMatch(/^document exceeds the 10000-byte limit/);
  });

  test.each([
    ['zero', 0], ['negative', -1], ['fractional', 1.5], ['NaN', Number.NaN],
  ])('maxDocumentBytes %s is a MESH156 error', (_, max) => {
    expect(() => maxDocumentBytesOf({ maxDocumentBytes: max })).toThrow(/maxDocumentBytes must be a positive whole number of bytes.*\[MESH156\]/);
  });

  test(`nesting: ${MAX_NESTING_DEPTH} levels are read, one more is refused`, () => {
    // The root mapping and data are levels 1 and 2; each [ one more.
    const deepest = parseYamlDocuments(deepConfigMap(MAX_NESTING_DEPTH - 2), 'deep.yaml');
    let v = (deepest[0].value as any).data.deep;
    let levels = 0;
    while (Array.isArray(v)) { levels++; v = v[0]; }
    expect(levels).toBe(MAX_NESTING_DEPTH - 2);
    expect(refusal(() => parseYamlDocuments(deepConfigMap(MAX_NESTING_DEPTH - 1), 'deep.yaml')).message)
      .toBe(`deep.yaml:6: nesting deeper than ${MAX_NESTING_DEPTH} levels [MESH156]`);
    expect(refusal(() => parseYamlDocuments(deepConfigMap(100_000), 'deep.yaml')).line).toBe(6);
    const block = Array.from({ length: 5000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n');
    expect(refusal(() => parseYamlDocuments(block, 'block.yaml')).reason).toBe(`nesting deeper than ${MAX_NESTING_DEPTH} levels`);
  });

  test('control characters and invalid UTF-8 are not YAML text', () => {
    expect(refusal(() => parseYamlDocuments('a: 1\nb: "\u0000"\n', 'nul.yaml')).message).toBe(
      'nul.yaml:2: control character U+0000: not YAML text (a binary file?) [MESH156]',
    );
    expect(refusal(() => decodeYamlText(binary(), 'bin.yaml')).message).toMatch(/^bin\.yaml:1: not UTF-8 text \(a binary file\?\) \[MESH156\]$/);
    expect(refusal(() => decodeYamlText(Buffer.from('a: 1\nb: 2\nc: \xff\n', 'latin1'), 'l1.yaml')).line).toBe(3);
    expect(decodeYamlText(Buffer.from('name: café\n'), 'ok.yaml')).toBe('name: café\n');
  });

  test('syntax errors name the line; an empty text has no documents', () => {
    expect(refusal(() => parseYamlDocuments('a: 1\nb: [1, 2\n', 'bad.yaml')).message).toMatch(
      /^bad\.yaml:3: unexpected end of the stream within a flow collection \[MESH156\]$/,
    );
    expect(parseYamlDocuments('', 'empty.yaml')).toEqual([]);
    expect(parseYamlDocuments('# only a comment\n', 'c.yaml').map((d) => d.value)).toEqual([null]);
  });

  test('what a valid file parses to does not change: every synthesized file reads as js-yaml reads it', () => {
    const root = path.join(__dirname, '..', '..', 'dist');
    const files = fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(50);
    for (const f of files) {
      const text = fs.readFileSync(path.join(root, f), 'utf8');
      expect(parseYamlDocuments(text, f).map((d) => d.value)).toEqual(jsyaml.loadAll(text));
    }
  });

  test('any JSON value, written by js-yaml as YAML, reads back as js-yaml reads it', () => {
    fc.assert(fc.property(fc.array(fc.jsonValue({ maxDepth: 6 }), { minLength: 1, maxLength: 3 }), (values) => {
      const text = values.map((v) => jsyaml.dump(v)).join('---\n');
      expect(parseYamlDocuments(text, 'p.yaml').map((d) => d.value)).toEqual(jsyaml.loadAll(text));
    }), { numRuns: 200 });
  });

  test('YAML 1.1 forms js-yaml and kube-apiserver share: merge keys, octal-looking strings quoted, document lines', () => {
    const text = 'base: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2\nmode: "0644"\n---\nkind: Second\n';
    const docs = parseYamlDocuments(text, 'm.yaml');
    expect(docs.map((d) => d.value)).toEqual([{ base: { x: 1 }, merged: { x: 1, y: 2 }, mode: '0644' }, { kind: 'Second' }]);
    expect(docs.map((d) => d.line)).toEqual([1, 7]); // where each document's content starts
  });

  test('a `:` before a flow indicator stays in the scalar, as go-yaml v2 reads it (kube-apiserver): `001:db8::` in an address list', () => {
    // sigs.k8s.io/yaml goyaml.v2 scannerc.go, yaml_parser_scan_plain_scalar: only a blank after `:` ends the scalar
    const read = (text: string) => parseYamlDocuments(text, 'se.yaml')[0].value;
    expect(read('addresses: [1.2.3.4, 001:db8::]')).toEqual({ addresses: ['1.2.3.4', '001:db8::'] });
    expect(read('addresses: [001:db8::,2001:db8::1]')).toEqual({ addresses: ['001:db8::', '2001:db8::1'] });
    expect(read('hosts: [abc:]')).toEqual({ hosts: ['abc:'] });
    // a blank after the `:` makes it a mapping, in go-yaml too
    expect(read('addresses: [ 001:db8:: , x]')).toEqual({ addresses: [{ '001:db8:': null }, 'x'] });
    expect(read('addresses:\n- 001:db8::1\n')).toEqual({ addresses: ['001:db8::1'] });
    // and the YAML 1.1 reader of cdk8s-mesh-validate agrees (leaving out null fields, as the API server does)
    for (const text of ['addresses: [1.2.3.4, 001:db8::]', 'hosts: [abc:]']) expect(parseManifests(text)[0]).toEqual(read(text));
    expect(parseManifests('addresses: [ 001:db8:: , x]')[0]).toEqual({ addresses: [{}, 'x'] });
  });

  test('a field left empty (`http:`) is no field, as the API server prunes a null before validating: no MESH150', () => {
    // apiextensions-apiserver pkg/apiserver/schema/defaulting/prunenulls.go (PruneNonNullableNullsWithoutDefaults)
    expect(parseManifests('kind: VirtualService\nspec:\n  hosts: [web]\n  http:\n')[0]).toEqual({ kind: 'VirtualService', spec: { hosts: ['web'] } });
    const vs = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web, namespace: shop}\nspec:\n  hosts: [web]\n  http:\n';
    expect(validateManifests(parseManifests(vs)).filter((f) => f.code === 'MESH150')).toEqual([]);
  });
});
