import * as fs from 'node:fs';
import { ApiObject, Testing } from 'cdk8s';
import type { Construct } from 'constructs';
import { MeshApp, MeshChart, MeshChartProps } from '../src';

/** A MeshApp writing to a throw-away directory, and a chart in it. */
export function meshChart(props: Partial<MeshChartProps> = {}, id = 'test'): { app: MeshApp; chart: MeshChart } {
  const app = new MeshApp({ outdir: Testing.app().outdir });
  const chart = new MeshChart(app, id, { namespace: 'production', ...props });
  return { app, chart };
}

/** Every resource of the app, validated and rendered. */
export function synth(app: MeshApp): Record<string, any>[] {
  return app.manifests().map((f) => f.manifest);
}

/** The one resource of `kind` named `name`; fails the test if there is not exactly one. */
export function find(manifests: Record<string, any>[], kind: string, name: string): Record<string, any> {
  const found = manifests.filter((m) => m.kind === kind && m.metadata?.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind}/${name}, found ${found.length}`);
  return found[0];
}

/** The error message synth fails with; fails the test if synth succeeds. */
export function synthError(app: MeshApp): string {
  try {
    app.manifests();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected synth to fail, but it succeeded');
}

/**
 * `test`, or `test.skip` where the data a test reads from ../shared (Istio's analyzer
 * cases, the CRD files) is not beside the checkout: a fresh clone on its own still passes
 * `npm test`. In CI (`CI` set), where ../shared is always beside the clone, a missing
 * folder fails instead of skipping.
 */
export function withSharedData(dir: string): jest.It {
  if (fs.existsSync(dir)) return test;
  if (process.env.CI) return ((name: string) => test(name, () => { throw new Error(`${dir} is missing: CI runs beside ../shared`); })) as unknown as jest.It;
  return test.skip;
}

/**
 * A hardened CronJob written by hand, `nightly` (pods labelled `app: nightly`, non-root, read-only, bounded): what a team adds
 * to a MeshChart beside its services. `template` adds to its pod template's metadata, `spec` to the CronJob's spec.
 */
export function handWrittenCronJob(
  scope: Construct, template: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}, spec: Record<string, unknown> = {},
): ApiObject {
  return new ApiObject(scope, 'nightly', {
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly' },
    spec: { schedule: '0 3 * * *', ...spec, jobTemplate: { spec: { template: {
      metadata: { labels: { app: 'nightly', ...template.labels }, ...(template.annotations ? { annotations: template.annotations } : {}) },
      spec: {
        restartPolicy: 'Never', automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{
          name: 'job', image: 'registry.example.com/nightly:1',
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } },
        }],
      },
    } } } },
  });
}
