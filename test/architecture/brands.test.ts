import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { MeshApp, MeshChart, MeshCluster, MeshService } from '../../src';

describe('brand checks instead of instanceof', () => {
  test('each class recognizes its own instances and nothing else', () => {
    const app = new MeshApp();
    const chart = new MeshChart(app, 'dev', { namespace: 'dev' });
    const svc = new MeshService(chart, 'order-service', { image: 'registry.example.com/order:1.0.0' });
    const other = new Chart(new App(), 'plain');
    const cluster = MeshCluster.forApp(chart);

    expect([MeshApp.isMeshApp(app), MeshApp.isMeshApp(new App()), MeshApp.isMeshApp(chart), MeshApp.isMeshApp(undefined)])
      .toEqual([true, false, false, false]);
    expect([MeshChart.isMeshChart(chart), MeshChart.isMeshChart(other), MeshChart.isMeshChart(cluster), MeshChart.isMeshChart(svc)])
      .toEqual([true, false, false, false]);
    expect([MeshService.isMeshService(svc), MeshService.isMeshService(new Construct(chart, 'plain')), MeshService.isMeshService(null)])
      .toEqual([true, false, false]);
  });

  test('the brands are registered symbols, so a second copy of the library is recognized too', () => {
    // An object branded by another copy carries the same Symbol.for key, not the same class.
    expect(MeshService.isMeshService({ [Symbol.for('cdk8s-mesh.MeshService')]: true })).toBe(true);
    expect(MeshChart.isMeshChart({ [Symbol.for('cdk8s-mesh.MeshChart')]: true })).toBe(true);
    expect(MeshApp.isMeshApp({ [Symbol.for('cdk8s-mesh.MeshApp')]: true })).toBe(true);
  });

  test('MeshChart.of finds the chart through the brand and names the path otherwise [MESH070]', () => {
    const app = new App();
    const chart = new MeshChart(app, 'dev', { namespace: 'dev' });
    const svc = new MeshService(chart, 'order-service', { image: 'registry.example.com/order:1.0.0' });
    expect(MeshChart.of(svc)).toBe(chart);
    const stray = new Construct(new Chart(app, 'plain'), 'x');
    expect(() => MeshChart.of(stray)).toThrow('plain/x is not inside a MeshChart [MESH070]');
  });
});
