// Every workload kind the model reads a pod template from takes part in the pair analysis (MESH602)
// and in `--flows`: a StatefulSet (a database) or a DaemonSet left open to a workload with no
// declared call is reported, as a Deployment is.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Size } from 'cdk8s';
import { MeshApp, MeshChart, MeshService, ServiceSecurity, VolumeClaim } from '../../../src';
import { undeclaredOpenPairs, workloadPairs, FlowEvaluator } from '../../../src/validate/flow';
import { app, deployment, service } from './fixtures';

/** `deployment(...)` as another kind of workload. */
function asKind(kind: 'StatefulSet' | 'DaemonSet', name: string, ns: string) {
  const d = deployment(name, ns);
  const spec = kind === 'StatefulSet' ? { ...d.spec, serviceName: name } : { selector: d.spec.selector, template: d.spec.template };
  return { ...d, kind, spec };
}

describe('pairs of every workload kind', () => {
  test.each(['StatefulSet', 'DaemonSet'] as const)('a %s is a source and a destination of the pair analysis', (kind) => {
    const objs = [...app('a', 'shop'), asKind(kind, 'db', 'shop'), service('db', 'shop')];
    const open = undeclaredOpenPairs(objs, []);
    expect(open.map((f) => f.message.split(' although')[0]).sort()).toEqual(['shop/a can reach shop/db on port 8080', 'shop/db can reach shop/a on port 8080']);
    expect(open.find((f) => f.message.startsWith('shop/a'))!.resource).toMatchObject({ kind, name: 'db', namespace: 'shop' });
    expect(workloadPairs(new FlowEvaluator(objs), []).map((p) => `${p.source} -> ${p.destination}`)).toEqual(['shop/a -> shop/db', 'shop/db -> shop/a']);
  });

  test('a synthesized StatefulSet\'s pairs are what `--flows` lists: its declared caller open, the others refused by a named layer', () => {
    const a = new MeshApp({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'sts-pairs-')), flowVerification: false });
    const chart = new MeshChart(a, 'test', { namespace: 'production' });
    const db = new MeshService(chart, 'db', {
      image: 'redis:7.4', ports: [{ port: 6379, protocol: 'redis' }], security: { runAsUser: 999, runAsGroup: 999 },
      stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(1) })] }, mounts: [{ volume: 'data', path: '/data' }],
    });
    const web = new MeshService(chart, 'web', { image: 'x/web:1' });
    new MeshService(chart, 'api', { image: 'x/api:1' }).calls(db);
    ServiceSecurity.of(db).allow({ from: [{ services: [web] }] });
    const pairs = workloadPairs(new FlowEvaluator(a.manifests().map((f) => f.manifest)), []);
    const verdict = (p: string) => pairs.find((x) => `${x.source} -> ${x.destination}` === p)?.verdict;
    expect(verdict('production/api -> production/db')).toMatchObject({ open: true, port: 6379 });
    // web is admitted by db's AuthorizationPolicy, but its own Sidecar and NetworkPolicy let it reach only what it declares
    expect(verdict('production/web -> production/db')).toMatchObject({ open: false, reason: expect.stringContaining('no NetworkPolicy selecting web admits egress to db on 6379') });
    expect(verdict('production/db -> production/web')?.open).toBe(false);
  });
});
