// pytorch/torchserve (pytorch/serve docker/Dockerfile, built on ubuntu:20.04 by docker/build_image.sh): `useradd -m model-server`
// (UID 1000), `USER model-server`, `ENV TEMP=/home/model-server/tmp` (the frontend's java.io.tmpdir: model archives unpacked, workers'
// sockets), docker/config.properties binding 8080, 8081, 8082, 7070 and 7071 on 0.0.0.0.
import { MeshService, WorkloadVolume } from '../../src';
import { parseImageReference } from '../../src/core/image-reference';
import { officialImage } from '../../src/core/official-images';
import { analyze } from '../../src/validate/analysis';
import { meshChart, synth, synthError } from '../util';
import { deployment } from './flow/fixtures';

type Options = {
  image?: string; port?: number; targetPort?: number; mounts?: { volume: string; path: string }[]; volumes?: WorkloadVolume[];
  args?: string[];
};

/** A model server: inference on 8080, its temporary directory on an emptyDir. */
function server(o: Options = {}) {
  const { app, chart } = meshChart();
  new MeshService(chart, 'classifier', {
    image: o.image ?? 'pytorch/torchserve:0.12.0-cpu',
    ports: [{ port: o.port ?? 8080, protocol: 'http', name: 'http', targetPort: o.targetPort }],
    volumes: o.volumes ?? [WorkloadVolume.emptyDir('ts-tmp'), WorkloadVolume.configMap('ts-config', 'ts-config')],
    mounts: o.mounts ?? [{ volume: 'ts-tmp', path: '/home/model-server/tmp' }],
    ...(o.args ? { args: o.args } : {}),
  });
  return app;
}

const codes = (manifests: Record<string, any>[]) => analyze(manifests).filter((f) => /MESH05[12]|MESH065|MESH260/.test(f.code))
  .map((f) => `${f.code} ${f.severity ?? 'error'} ${f.field}`);

const ref = (image: string) => {
  const parsed = parseImageReference(image);
  if (parsed.error !== undefined) throw new Error(parsed.error);
  return officialImage(parsed.reference);
};

describe('pytorch/torchserve: its temporary directory, as model-server (UID 1000), listening on 8080, 8081, 8082, 7070 and 7071', () => {
  test('the image is known by its repository, as model-server, UID and group 1000, by name; tags before 0.3 and -cpp- are not checked', () => {
    expect(ref('pytorch/torchserve:0.12.0-cpu')).toMatchObject({
      name: 'pytorch/torchserve', uid: 1000, gid: 1000, user: 'model-server', imageUser: 'model-server', startsAsUser: true,
    });
    expect(ref('docker.io/pytorch/torchserve:latest-gpu')).toMatchObject({ uid: 1000 });
    expect(ref('pytorch/torchserve:0.2.0-cpu')).toBeUndefined();
    expect(ref('pytorch/torchserve:latest-cpp-dev-cpu')).toBeUndefined();
  });

  test('without a volume at /home/model-server/tmp synth fails naming it; an emptyDir there passes', () => {
    expect(synthError(server({ mounts: [] }))).toMatch(/Deployment\/classifier: spec\.template\.spec\.containers\[0\]\.securityContext\.readOnlyRootFilesystem: container 'app' runs pytorch\/torchserve:0\.12\.0-cpu as UID 10001, which writes the model archives it unpacks and its workers' sockets \(TEMP, the frontend's java\.io\.tmpdir\) to \/home\/model-server\/tmp as it starts; it is on the read-only root filesystem.*\[MESH052\]/);
    expect(codes(synth(server()))).toEqual([]);
  });

  test('a port it does not listen on fails synth naming its ports; its management, metrics and gRPC ports, or a config.properties of its own, pass', () => {
    expect(synthError(server({ port: 9000 }))).toMatch(/containers\[0\]\.ports\[0\]\.containerPort: container 'app' declares port 9000, but pytorch\/torchserve:0\.12\.0-cpu listens on 8080, 8081, 8082, 7070 and 7071 only \(its \/home\/model-server\/config\.properties: .*\): nothing answers on 9000; target 8080.*\[MESH065\]/);
    expect(codes(synth(server({ port: 80, targetPort: 8080 })))).toEqual([]);
    for (const port of [8081, 8082, 7070, 7071]) expect(codes(synth(server({ port })))).toEqual([]);
    // Its models on a volume of their own: still the image's configuration.
    const models = [{ volume: 'ts-tmp', path: '/home/model-server/tmp' }, { volume: 'ts-tmp', path: '/home/model-server/model-store' }];
    expect(synthError(server({ port: 9000, mounts: models }))).toMatch(/declares port 9000, but pytorch\/torchserve:0\.12\.0-cpu listens on .*\[MESH065\]/);
    const own = [{ volume: 'ts-tmp', path: '/home/model-server/tmp' }, { volume: 'ts-config', path: '/home/model-server/config.properties' }];
    expect(codes(synth(server({ port: 9000, mounts: own })))).toEqual([]);
    expect(codes(synth(server({ port: 9000, args: ['torchserve', '--start', '--ts-config', '/etc/ts/config.properties'] })))).toEqual([]);
  });

  test('hand-written: runAsNonRoot with no runAsUser is MESH260 (USER model-server); a read-only root filesystem without tmp is MESH052', () => {
    const d = deployment('classifier', 'ml', { ports: { http: 8080 } });
    d.spec.template.spec.securityContext = { runAsNonRoot: true };
    d.spec.template.spec.containers[0] = { ...d.spec.template.spec.containers[0], image: 'pytorch/torchserve:0.12.0-gpu',
      securityContext: { readOnlyRootFilesystem: true } };
    expect(codes([d])).toEqual([
      'MESH052 error spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
      'MESH260 error spec.template.spec.securityContext.runAsNonRoot',
    ]);
    expect(analyze([d]).find((f) => f.code === 'MESH260')?.message).toMatch(/USER is a name, model-server .*runAsUser: 1000/);
  });
});
