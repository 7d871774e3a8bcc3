/**
 * The one YAML reader of the command-line tools (`cdk8s-mesh-validate`, `cdk8s-mesh-diff`):
 * js-yaml's values (so what a valid file parses to does not change), with the limits
 * kube-apiserver puts on what it reads, checked while parsing so that no input costs more
 * than a bounded amount of memory and time per byte:
 *
 * - text only: UTF-8 without control characters, as go-yaml's reader requires
 *   (gopkg.in/yaml.v2 readerc.go, yaml_parser_update_buffer: "invalid leading UTF-8 octet",
 *   "control characters are not allowed");
 * - at most {@link DEFAULT_MAX_DOCUMENT_BYTES} (3 MiB) per document, the API server's
 *   request body limit (k8s.io/apiserver/pkg/server/config.go, `MaxRequestBodyBytes:
 *   int64(3 * 1024 * 1024)`), configurable;
 * - at most {@link MAX_NESTING_DEPTH} nested nodes (see there);
 * - alias expansion bounded by go-yaml's alias ratio (see {@link allowedAliasRatio}), the
 *   fix of CVE-2019-11253 that kube-apiserver reads YAML with (sigs.k8s.io/yaml → go-yaml).
 *
 * The values are js-yaml's (YAML 1.2 core schema, merge keys, timestamps), unchanged by the
 * limits but for one place where YAML 1.2 and go-yaml v2 read a flow list differently, which is
 * read as go-yaml reads it (`[1.2.3.4, 001:db8::]` holds two strings: see restoreGoFlowScalars);
 * go-yaml's YAML 1.1 differs otherwise only on unquoted `yes`/`no`/`on`/`off`, `0755` and
 * timestamps (see the README's Command line section).
 *
 * Aliases stay shared references in the values returned (js-yaml never copies an anchored
 * value); the ratio bounds how many nodes a walk that follows them can visit, so the checks
 * that run after the reader see at most about 100× the document's own nodes for a small
 * document and at most its own nodes plus 400,000 for a large one; and the document, its
 * aliases expanded, must still fit the byte limit, since kubectl sends it so (it converts
 * YAML to JSON before sending: k8s.io/apimachinery/pkg/util/yaml `YAMLOrJSONDecoder`,
 * sigs.k8s.io/yaml `YAMLToJSON`), so no walk that follows the aliases, JSON.stringify
 * included, sees more than about that many bytes.
 */
import * as fs from 'node:fs';
import * as jsyaml from 'js-yaml';
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';

/** kube-apiserver's default request body limit: 3 MiB (k8s.io/apiserver/pkg/server/config.go). */
export const DEFAULT_MAX_DOCUMENT_BYTES = 3 * 1024 * 1024;

/**
 * How deep nodes may nest, as js-yaml counts it (`maxDepth`: the document's root is level 1,
 * about one more per nested collection). kube-apiserver's YAML reader stops at 10,000 levels (go-yaml v2 scannerc.go
 * `max_flow_level`/`max_indents`, k8s.io/apimachinery/pkg/util/json `maxDepth`); this reader
 * stops at 1,000, ten times deeper than any Kubernetes or Istio object goes, so that the
 * recursive checks behind it (schema, CEL, diff) stay far from the JavaScript stack's limit.
 */
export const MAX_NESTING_DEPTH = 1000;

/** Limits of the YAML reader (`parseYamlDocuments`, `readYamlFile`). */
export interface YamlReadOptions {
  /**
   * The largest document accepted, in bytes of its YAML text (from the end of the previous
   * document to the end of this one). Raise it as far as your API server's is raised.
   * @default 3145728 (3 MiB, kube-apiserver's request body limit)
   */
  readonly maxDocumentBytes?: number;
}

/** One document read from a YAML stream. */
export interface YamlDocument {
  /** The document's value as js-yaml builds it; aliases are shared references. */
  readonly value: unknown;
  /** The 1-based line the document's content starts on (after `---` and comments). */
  readonly line: number;
}

/** A YAML file the reader refuses [MESH156]: the file, the line and why. */
export class YamlReadError extends MeshError {
  /** The file, as the caller named it. */
  public readonly file: string;
  /** The 1-based line of the problem; 0 when it concerns the whole file. */
  public readonly line: number;
  /** What is wrong, without file and line. */
  public readonly reason: string;

  public constructor(file: string, line: number, reason: string) {
    super(Codes.UNPARSABLE_MANIFEST, `${file}${line > 0 ? `:${line}` : ''}: ${reason}`);
    this.name = 'YamlReadError';
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}

/** The `maxDocumentBytes` in effect; throws a MeshError [MESH156] unless a positive whole number. */
export function maxDocumentBytesOf(options: YamlReadOptions = {}): number {
  const max = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new MeshError(Codes.UNPARSABLE_MANIFEST, `maxDocumentBytes must be a positive whole number of bytes, got ${max}`);
  }
  return max;
}

// go-yaml's alias ratio (gopkg.in/yaml.v2 decode.go, `alias_ratio_range_low/high` and
// `allowedAliasRatio`; the same in go.yaml.in/yaml/v3 decode.go).
const ALIAS_RATIO_RANGE_LOW = 400_000;
const ALIAS_RATIO_RANGE_HIGH = 4_000_000;
const ALIAS_RATIO_RANGE = ALIAS_RATIO_RANGE_HIGH - ALIAS_RATIO_RANGE_LOW;

/**
 * The share of decoded nodes that may come from alias expansion after `decodeCount` nodes:
 * 99% up to 400,000 nodes, falling linearly to 10% at 4,000,000 (go-yaml decode.go
 * `allowedAliasRatio`).
 */
export function allowedAliasRatio(decodeCount: number): number {
  if (decodeCount <= ALIAS_RATIO_RANGE_LOW) return 0.99;
  if (decodeCount >= ALIAS_RATIO_RANGE_HIGH) return 0.10;
  return 0.99 - 0.89 * ((decodeCount - ALIAS_RATIO_RANGE_LOW) / ALIAS_RATIO_RANGE);
}

/**
 * go-yaml's check, made after each node (decode.go `unmarshal`: `aliasCount > 100 &&
 * decodeCount > 1000 && aliasCount/decodeCount > allowedAliasRatio(decodeCount)` fails with
 * "document contains excessive aliasing").
 */
export function excessiveAliasing(decodeCount: number, aliasCount: number): boolean {
  return aliasCount > 100 && decodeCount > 1000 && aliasCount / decodeCount > allowedAliasRatio(decodeCount);
}

/** Not YAML text: C0/C1 controls but tab, LF, CR and NEL; U+FFFE/U+FFFF (YAML 1.1 §5.1 c-printable). */
// eslint-disable-next-line no-control-regex -- the control characters are what it finds
const NON_PRINTABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]/;

/** The 1-based line of `offset` in `text`. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** `bytes` as text; a YamlReadError naming the first line that is not UTF-8 text. */
export function decodeYamlText(bytes: Uint8Array, file: string): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    const lossy = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    throw new YamlReadError(file, lineAt(lossy, lossy.indexOf('\uFFFD')), 'not UTF-8 text (a binary file?)');
  }
}

/** js-yaml's parser state, as far as the listener reads it. */
interface ParseState {
  readonly position: number;
  readonly line: number;
  readonly depth: number;
  readonly kind: string | null;
  readonly anchor: string | null;
  readonly result: unknown;
}

/** A node js-yaml is composing, as the listener tracks it. */
interface OpenNode {
  nodes: number;
  readonly start: number;
  readonly line: number;
  readonly expansion: number;
  children: number;
  last?: { readonly end: number; readonly result: unknown; readonly kind: string | null };
}

/**
 * Every document of `text`, in order, null documents included; throws a
 * {@link YamlReadError} [MESH156] at the first document the limits refuse or that is not YAML.
 */
export function parseYamlDocuments(text: string, file: string, options: YamlReadOptions = {}): YamlDocument[] {
  const maxBytes = maxDocumentBytesOf(options);
  const control = NON_PRINTABLE.exec(text);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new YamlReadError(file, lineAt(text, control.index), `control character U+${code}: not YAML text (a binary file?)`);
  }
  const walk = new LimitWalk(text, file, maxBytes);
  const values: unknown[] = [];
  try {
    const listener = walk.listener;
    jsyaml.loadAll(text, (doc) => values.push(doc), { listener, maxDepth: MAX_NESTING_DEPTH } as unknown as jsyaml.LoadOptions);
  } catch (e) {
    if (e instanceof YamlReadError) throw e;
    const err = e as jsyaml.YAMLException;
    const line = err.mark ? err.mark.line + 1 : 0;
    const reason = /exceeded maxDepth/.test(err.reason ?? '')
      ? `nesting deeper than ${MAX_NESTING_DEPTH} levels`
      : e instanceof RangeError ? 'nesting too deep to read' : err.reason ?? err.message.split('\n')[0];
    throw new YamlReadError(file, line, reason);
  }
  if (values.length > 0) walk.checkLastDocument();
  if (GO_FLOW_COLON.test(text)) values.forEach((v, i) => { values[i] = restoreGoFlowScalars(v, text, new Set()); });
  return values.map((value, i) => ({ value, line: walk.starts[i] ?? 1 }));
}

/**
 * kube-apiserver's limits, checked as js-yaml walks a text: each document's size, with its aliases
 * expanded, and the share of its nodes that come from expanding aliases. go-yaml counts per document
 * (one decoder per document).
 */
class LimitWalk {
  /** The first line of each document. */
  public readonly starts: number[] = [];
  /** Byte counts matter only when the whole text could exceed the limit. */
  private readonly mayExceed: boolean;
  private docStart = 0;
  private docLine = 1;
  private lastStart = 0;
  private decodeCount = 0;
  private aliasCount = 0;
  private anchored = new Map<unknown, { nodes: number; chars: number }>();
  /** What expanding the aliases read so far adds to the document, in UTF-16 units of YAML. */
  private expansion = 0;
  /**
   * Per open node: its decode count so far, where it starts, the expansion before it, and its
   * last child, to tell js-yaml's pass-through calls (one inner call that read the node, e.g.
   * an implicit key that turned out to be the value) from nodes.
   */
  private readonly open: OpenNode[] = [];

  public constructor(private readonly text: string, private readonly file: string, private readonly maxBytes: number) {
    this.mayExceed = Buffer.byteLength(text, 'utf8') > maxBytes;
  }

  /** js-yaml's listener. */
  public readonly listener = (event: 'open' | 'close', state: ParseState): void => {
    if (event === 'open') this.opened(state);
    else this.closed(state);
  };

  /** The last document's bytes: from the end of the previous one to the end of the text. */
  public checkLastDocument(): void {
    if (this.mayExceed) this.checkBytes(this.lastStart, this.text.length);
  }

  private opened(state: ParseState): void {
    if (state.depth === 1) {
      // A new document: go-yaml counts per document (one decoder per document).
      this.docLine = state.line + 1;
      this.starts.push(this.docLine);
      this.decodeCount = 0;
      this.aliasCount = 0;
      this.expansion = 0;
      this.anchored = new Map();
    } else if (this.mayExceed && state.position - this.docStart > this.maxBytes) {
      throw this.tooLarge(undefined); // more UTF-16 units than bytes allowed: stop reading now
    }
    this.open.push({ nodes: 0, start: state.position, line: state.line + 1, expansion: this.expansion, children: 0 });
  }

  private closed(state: ParseState): void {
    const node = this.open.pop()!;
    const size = this.sizeOf(node, state);
    const parent = this.open[this.open.length - 1];
    if (parent) {
      parent.nodes += size;
      parent.children += 1;
      parent.last = { end: state.position, result: state.result, kind: state.kind };
    }
    if (excessiveAliasing(this.decodeCount, this.aliasCount)) {
      throw new YamlReadError(
        this.file,
        node.line,
        `document contains excessive aliasing: ${this.aliasCount} of ${this.decodeCount} nodes come from expanding aliases` +
          ` (over ${Math.round(allowedAliasRatio(this.decodeCount) * 100)}%, the limit kube-apiserver's YAML reader sets against alias bombs, `
            + 'CVE-2019-11253)',
      );
    }
    if (state.depth === 1) {
      // A document's bytes: from the end of the previous document to the end of this one,
      // separators and comments included.
      if (this.mayExceed) this.checkBytes(this.docStart, state.position);
      this.lastStart = this.docStart;
      this.docStart = state.position;
    }
  }

  /** How many nodes go-yaml decodes for the node that closed, its subtree and expansions included. */
  private sizeOf(node: OpenNode, state: ParseState): number {
    const last = node.last;
    const passThrough = node.children === 1 && last !== undefined && last.end === state.position
      && Object.is(last.result, state.result) && last.kind === state.kind;
    if (passThrough) return node.nodes; // the inner call counted it
    if (state.kind === null && state.result !== null && state.result !== undefined) {
      // An alias (js-yaml leaves kind unset only for aliases and empty nodes): go-yaml decodes
      // the alias node, then the whole anchored value again, every node of it counting as alias.
      const target = this.anchored.get(state.result);
      const size = 1 + (target?.nodes ?? 1);
      this.decodeCount += size;
      this.aliasCount += size - 1;
      this.expansion += Math.max(0, (target?.chars ?? 0) - (state.position - node.start));
      if (state.position - this.docStart + this.expansion > this.maxBytes) {
        throw new YamlReadError(
          this.file,
          node.line,
          `document would be over ${this.maxBytes} bytes with its aliases expanded ` +
            '(kubectl sends an object as JSON, aliases expanded, and kube-apiserver refuses a body over its request limit; raise it with '
              + '--max-document-bytes)',
        );
      }
      return size;
    }
    // The children were counted as they closed.
    const size = 1 + node.nodes;
    this.decodeCount += 1;
    if (state.anchor !== null) {
      this.anchored.set(state.result, { nodes: size, chars: state.position - node.start + this.expansion - node.expansion });
    }
    return size;
  }

  private tooLarge(bytes: number | undefined): YamlReadError {
    return new YamlReadError(
      this.file,
      this.docLine,
      `document ${bytes === undefined ? 'exceeds' : `is ${bytes} bytes, over`} the ${this.maxBytes}-byte limit (kube-apiserver's request body `
        + 'limit; raise it with --max-document-bytes)',
    );
  }

  private checkBytes(from: number, to: number): void {
    const bytes = Buffer.byteLength(this.text.slice(from, to), 'utf8');
    if (bytes > this.maxBytes) throw this.tooLarge(bytes);
  }
}

/** A `:` right before a flow indicator, where go-yaml v2 and YAML 1.2 part ways. */
const GO_FLOW_COLON = /:[,\]}]/;

/**
 * go-yaml v2 (which kube-apiserver reads YAML with) ends a plain scalar at a `:` only when a blank
 * follows it, also inside a flow collection (sigs.k8s.io/yaml goyaml.v2 scannerc.go,
 * yaml_parser_scan_plain_scalar), so `addresses: [1.2.3.4, 001:db8::]` holds two strings; YAML 1.2
 * (js-yaml) reads the second as the one-key map `{"001:db8:": null}`. Such a map in a list, whose
 * key and `:` stand right before a `,`, `]` or `}` in the text, becomes the string go-yaml reads.
 */
function restoreGoFlowScalars(value: unknown, text: string, seen: Set<unknown>): unknown {
  if (value === null || typeof value !== 'object' || seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      const keys = item && typeof item === 'object' && !Array.isArray(item) ? Object.keys(item) : [];
      if (keys.length === 1 && (item as Record<string, unknown>)[keys[0]] === null && GO_SCALAR_END(keys[0]).test(text)) value[i] = `${keys[0]}:`;
      else restoreGoFlowScalars(item, text, seen);
    });
  } else {
    for (const v of Object.values(value)) restoreGoFlowScalars(v, text, seen);
  }
  return value;
}

/** `<key>:` right before a flow indicator, the key not led by more scalar text. */
function GO_SCALAR_END(key: string): RegExp {
  return new RegExp(`(?:^|[\\s\\[{,])${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:[,\\]}]`);
}

/**
 * Every document of the file `filePath`, shown as `file` in errors; a file that cannot be
 * read (a symbolic link loop, a directory, no permission) is a {@link YamlReadError} too.
 */
export function readYamlFile(filePath: string, file: string, options: YamlReadOptions = {}): YamlDocument[] {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(filePath);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why: Record<string, string> = {
      ELOOP: 'a symbolic link loop',
      EISDIR: 'a directory',
      EACCES: 'permission denied',
      ENOENT: 'no such file (a dangling symbolic link?)',
    };
    throw new YamlReadError(file, 0, `cannot read: ${why[err.code ?? ''] ?? err.message}`);
  }
  return parseYamlDocuments(decodeYamlText(bytes, file), file, options);
}
