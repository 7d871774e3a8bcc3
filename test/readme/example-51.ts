// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { readTreeFromDir, readTreeFromGit, renderMarkdown, semanticDiff } from 'cdk8s-mesh/review';

const diff = semanticDiff(readTreeFromGit('origin/main', 'dist', process.cwd()), readTreeFromDir('dist'));
for (const r of diff.resources) {
  for (const f of r.findings) console.log(`${r.environment} ${f.downgrade ? '⚠️ ' : ''}${f.message}`);
}
const comment: string = renderMarkdown(diff, { title: 'Mesh changes' });
console.log(comment);
export {};
