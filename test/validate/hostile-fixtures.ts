/** Hostile YAML inputs for the reader's tests, built in memory or in a temp dir once per test file. */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ANCHORS = 'abcdefghij';

/**
 * The classic alias bomb as a ConfigMap: ten nested anchors, each a list of nine aliases of
 * the previous one: about 1 KB that expands to 9^10 ≈ 3.5 billion strings. Anchor `a` is on
 * line 6, `b` (its first aliases) on line 7, `d` on line 9.
 */
export function aliasBomb(): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: lol', 'data:'];
  lines.push(`  a: &a [${Array(9).fill('"lol"').join(', ')}]`);
  for (let i = 1; i < ANCHORS.length; i++) {
    lines.push(`  ${ANCHORS[i]}: &${ANCHORS[i]} [${Array(9).fill(`*${ANCHORS[i - 1]}`).join(', ')}]`);
  }
  return lines.join('\n') + '\n';
}

/** A ConfigMap named `name` of exactly `bytes` bytes of YAML (a long data value pads it). */
export function configMapOfBytes(name: string, bytes: number): string {
  const head = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  blob: "`;
  const tail = '"\n';
  const pad = bytes - Buffer.byteLength(head + tail);
  if (pad < 0) throw new Error(`a ConfigMap needs at least ${bytes - pad} bytes`);
  return head + 'x'.repeat(pad) + tail;
}

/** A ConfigMap whose `data.deep` is `levels` nested flow sequences (on line 6). */
export function deepConfigMap(levels: number): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  deep: ${'['.repeat(levels)}${']'.repeat(levels)}\n`;
}

/** Bytes that are not text: a PNG signature, NULs and invalid UTF-8. */
export function binary(): Buffer {
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.alloc(256, 0xff)]);
}

/** `count` small ConfigMaps and Services (about 650 bytes each), as one multi-document text. */
export function manyDocuments(count: number, offset = 0): string {
  const docs: string[] = [];
  for (let i = offset; i < offset + count; i++) {
    const name = `svc-${i}`;
    docs.push(i % 2 === 0
      ? `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: bulk\n  labels:\n    app: ${name}\n    app.kubernetes.io/part-of: bulk\ndata:\n`
        + Array.from({ length: 12 }, (_, k) => `  key-${k}: "value ${k} of ${name}, padded to look like real configuration data"\n`).join('')
      : `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: bulk\n  labels:\n    app: ${name}\nspec:\n  selector:\n    app: ${name}\n  ports:\n`
        + Array.from({ length: 8 }, (_, k) => `  - name: http-${k}\n    port: ${8000 + k}\n    targetPort: ${9000 + k}\n`).join(''));
  }
  return docs.join('---\n');
}

/**
 * Writes the hostile inputs into `dir`: bomb.yaml, large.yaml (3 MiB + 1 byte), deep.yaml
 * (5,000 levels), binary.yaml, empty.yaml and loop.yaml (a symbolic link to itself).
 */
export function writeHostileFiles(dir: string, maxBytes: number): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'bomb.yaml'), aliasBomb());
  fs.writeFileSync(path.join(dir, 'large.yaml'), configMapOfBytes('large', maxBytes + 1));
  fs.writeFileSync(path.join(dir, 'deep.yaml'), deepConfigMap(5000));
  fs.writeFileSync(path.join(dir, 'binary.yaml'), binary());
  fs.writeFileSync(path.join(dir, 'empty.yaml'), '');
  fs.symlinkSync('loop.yaml', path.join(dir, 'loop.yaml'));
}
