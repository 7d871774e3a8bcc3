// Node's ESM loader knows no .ts extension; this project's TypeScript is CommonJS (package.json has no "type").
// With format 'commonjs' and no source, Node loads the file through require, where light-register.mjs's hook compiles it.
export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && url.split('?')[0].endsWith('.ts')) return { format: 'commonjs', shortCircuit: true };
  return nextLoad(url, context);
}
