import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');

/** The README's TypeScript examples. */
function examples(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

test('the README has examples, and every one type-checks against the library', () => {
  const snippets = examples();
  expect(snippets.length).toBeGreaterThanOrEqual(3);
  const dir = fs.mkdtempSync(path.join(ROOT, 'test', '.readme-'));
  try {
    const files = snippets.map((code, i) => {
      const file = path.join(dir, `example-${i + 1}.ts`);
      // Each example is a module of its own; `cdk8s-mesh` resolves to this project's source.
      fs.writeFileSync(file, `${code}\nexport {};\n`);
      return file;
    });
    const program = ts.createProgram(files, {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      esModuleInterop: true,
      baseUrl: ROOT,
      paths: { 'cdk8s-mesh': ['src/index.ts'] },
      types: ['node'],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(diagnostics).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
