// Runs dependency-cruiser's command (its CLI's own entry, src/cli/index.mjs) once per job in one Node.js: the
// command takes a second to load (TypeScript, Babel) and a fraction of that to cruise src/ from its cache. The rules
// file is a module, evaluated once (at the first job's cwd) and shared by the jobs, as Node.js caches an import.
// stdin: a JSON array of { cwd, args: string[] (the files or directories), options: the command's options (its
// long names in camelCase, as its command line gives them) }; each job's JSON report goes where its options'
// outputTo says. stdout: a JSON array of { exitCode, stderr }, one per job.
import { URL } from 'node:url';

// The package's entry is src/main/index.mjs; its command's, src/cli/index.mjs beside it.
const { default: cli } = await import(new URL('../cli/index.mjs', import.meta.resolve('dependency-cruiser')).href);

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const job of JSON.parse(input)) {
  process.chdir(job.cwd);
  let stderr = '';
  const exitCode = await cli(job.args, job.options, { stderr: { write: (text) => { stderr += text; } } });
  results.push({ exitCode, stderr });
}
process.stdout.write(JSON.stringify(results));
