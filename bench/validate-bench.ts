/**
 * The validator's throughput on the synthetic mesh's output: the manifests of each
 * environment (the files `cdk8s-mesh-validate dist/<env>` reads) through validateManifests,
 * schema, CEL, list types, istiod's webhook and the cross-resource analysis.
 *
 *   npx ts-node --swc bench/validate-bench.ts 1000    # services; prints one JSON line
 */
import * as path from 'node:path';
import { MeshApp } from '../src';
import { validateManifests } from '../src/validate';
import { buildSyntheticMesh } from './synthetic-mesh';

const services = Number(process.argv[2] ?? 100);
const app = new MeshApp({ outdir: path.join(__dirname, '..', '.bench', 'unused'), schemaValidation: false });
buildSyntheticMesh(app, services);
const byEnv = new Map<string, any[]>();
for (const f of app.manifests()) {
  const env = f.path.split('/')[0];
  if (!byEnv.has(env)) byEnv.set(env, []);
  byEnv.get(env)!.push(f.manifest);
}
// Load every kind's compiled schema validator (a one-time cost of a few seconds, reported
// apart as warmMs) before the clock starts.
const warm = process.hrtime.bigint();
validateManifests(byEnv.values().next().value!);
const warmMs = Number(process.hrtime.bigint() - warm) / 1e6;
let objects = 0;
let findings = 0;
const start = process.hrtime.bigint();
for (const manifests of byEnv.values()) {
  objects += manifests.length;
  findings += validateManifests(manifests).length;
}
const ms = Number(process.hrtime.bigint() - start) / 1e6;
console.log(
  JSON.stringify({
    services,
    objects,
    findings,
    warmMs: Math.round(warmMs),
    ms: Math.round(ms),
    objectsPerSecond: Math.round(objects / (ms / 1000)),
  }),
);
