// The one rewrite `npm run import` makes to what `cdk8s import` generates (imports/).
//
// Each generated `toJson_*` function (and each map it copies, such as `matchLabels`) ends by
// dropping the undefined values of the object it built:
//
//   Object.entries(result).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {})
//
// which copies the object built so far once per key: quadratic in the keys, and run for every
// object of every resource at synth. The rewrite calls instead a helper, added once to the file,
// that builds the same object (the same own properties, in the same order) in one pass.
'use strict';

/**
 * The generated filter: the expression it filters (`result`, `obj.labels`, ...), and what it
 * keeps of each defined value `i[1]`: the value, a converted copy of an array value, or a conversion.
 */
const QUADRATIC_FILTER = new RegExp(
  String.raw`Object\.entries\(([\w.]+)\)\.reduce\(\(r, i\) => \(i\[1\] === undefined\) \? r : \(\{ \.\.\.r, \[i\[0\]\]: `
    + String.raw`(i\[1\](?:\?\.map\(y => (?:y|toJson_\w+\(y\))\))?|toJson_\w+\(i\[1\]\)) \}\), \{\}\)`,
  'g',
);

const HELPER = 'definedValues';

/** The helper, as TypeScript, appended to each rewritten file. */
const HELPER_SOURCE = `
/**
 * \`obj\` without its undefined values, each defined one passed through \`convert\`, in one pass:
 * the object cdk8s import's filter \`Object.entries(obj).reduce((r, i) => (i[1] === undefined) ? r :
 * ({ ...r, [i[0]]: convert(i[1]) }), {})\` builds, key for key and in the same order (added by
 * scripts/imports-rewrite.js).
 */
function ${HELPER}<T>(obj: { [key: string]: T }, convert: (value: T) => unknown = (value) => value): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined) continue;
    // A computed \`__proto__\` key of an object literal makes an own property; an assignment would set the prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: convert(value), enumerable: true, writable: true, configurable: true });
    else out[key] = convert(value);
  }
  return out;
}
`;

/** `source` (a module `cdk8s import` wrote) with every quadratic filter replaced by the helper; unchanged if it has none. */
function rewriteImport(source) {
  if (source.includes(`function ${HELPER}`)) throw new Error(`imports-rewrite: the module already defines ${HELPER}`);
  let count = 0;
  const out = source.replace(QUADRATIC_FILTER, (_, expression, kept) => {
    count++;
    return kept === 'i[1]' ? `${HELPER}(${expression})` : `${HELPER}(${expression}, (v) => ${kept.replace('i[1]', 'v')})`;
  });
  if (/\.reduce\(\(r, i\)/.test(out)) {
    throw new Error('imports-rewrite: a filter of cdk8s import in an unknown form is left (update QUADRATIC_FILTER)');
  }
  return count === 0 ? source : out + HELPER_SOURCE;
}

module.exports = { rewriteImport, QUADRATIC_FILTER, HELPER };
