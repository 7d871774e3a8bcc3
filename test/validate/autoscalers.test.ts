// MESH056 over manifests, hand-written ones included: an autoscaler whose target is not written scales nothing.
import { ApiObject } from 'cdk8s';
import { analyze } from '../../src/validate/analysis';
import { MeshService } from '../../src';
import { meshChart, synthError } from '../util';
import { deployment } from './flow/fixtures';

const hpa = (name: string, ns: string, target: { kind: string; name: string; apiVersion?: string }) => ({
  apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name, namespace: ns },
  spec: { scaleTargetRef: { apiVersion: target.apiVersion ?? 'apps/v1', kind: target.kind, name: target.name }, minReplicas: 2, maxReplicas: 5 },
});
const statefulSet = (name: string, ns: string) => ({ ...deployment(name, ns), kind: 'StatefulSet' });
const found = (manifests: Record<string, any>[]) =>
  analyze(manifests).filter((f) => f.code === 'MESH056').map((f) => `${f.resource.namespace}/${f.resource.name} ${f.field} ${f.severity ?? 'error'}`);

describe('MESH056: a HorizontalPodAutoscaler whose target is not in the manifests', () => {
  test('a Deployment the manifests do not hold, where they hold the namespace\'s Deployments, is an error on scaleTargetRef.name', () => {
    expect(found([deployment('ingest-v2', 'r'), hpa('ingest', 'r', { kind: 'Deployment', name: 'ingest' })]))
      .toEqual(['r/ingest spec.scaleTargetRef.name error']);
    const [f] = analyze([deployment('ingest-v2', 'r'), hpa('ingest', 'r', { kind: 'Deployment', name: 'ingest' })]).filter((x) => x.code === 'MESH056');
    expect(f.message).toMatch(/targets Deployment ingest, which is not among the manifests' Deployments of namespace r.*FailedGetScale/);
  });

  test('a target that is written, of either kind, is not reported', () => {
    expect(found([deployment('ingest', 'r'), hpa('ingest', 'r', { kind: 'Deployment', name: 'ingest' })])).toEqual([]);
    expect(found([statefulSet('db', 'r'), hpa('db', 'r', { kind: 'StatefulSet', name: 'db' })])).toEqual([]);
  });

  test('a namespace whose workloads of that kind are elsewhere, a Deployment of another namespace, a custom kind: not judged', () => {
    expect(found([hpa('ingest', 'r', { kind: 'Deployment', name: 'ingest' })])).toEqual([]);
    expect(found([statefulSet('db', 'r'), hpa('ingest', 'r', { kind: 'Deployment', name: 'ingest' })])).toEqual([]);
    expect(found([deployment('ingest', 'other'), deployment('api', 'r'), hpa('ingest', 'r', { kind: 'Deployment', name: 'ingest' })]))
      .toEqual(['r/ingest spec.scaleTargetRef.name error']);
    expect(found([deployment('api', 'r'), hpa('ingest', 'r', { kind: 'Rollout', name: 'ingest', apiVersion: 'argoproj.io/v1alpha1' })])).toEqual([]);
  });

  test('it runs at synth: a hand-written autoscaler in a MeshChart naming a Deployment not written fails synth', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'ingest', { image: 'ingest:1' });
    new ApiObject(chart, 'stale-hpa', hpa('ingest-old', 'production', { kind: 'Deployment', name: 'ingest-v1' }));
    expect(synthError(app)).toMatch(/HorizontalPodAutoscaler\/ingest-old: spec\.scaleTargetRef\.name: targets Deployment ingest-v1.*\[MESH056\]/);
  });
});
