// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { connectivityDiff } from 'cdk8s-mesh/review';
import { MeshPlatform } from 'cdk8s-mesh';

declare const before: Record<string, any>[];
declare const after: Record<string, any>[];
const connectivity = connectivityDiff(new Map([['production', before]]), new Map([['production', after]]), { platform: MeshPlatform.default() });
for (const c of connectivity.changes) {
  console.log(`${c.change} ${c.source} -> ${c.destination}:${c.port} ${c.method} ${c.pathClass}: ${(c.change === 'opened' ? c.before : c.after).decidedBy}`);
}
if (connectivity.intendedBroken > 0 || connectivity.undeclaredOpened > 0) process.exitCode = 1;
export {};
