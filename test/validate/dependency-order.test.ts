/**
 * The synth check renders a chart's objects in cdk8s's dependency order without building cdk8s's
 * graph where no construct declares a dependency (src/validate/synth-check.ts `inDependencyOrder`):
 * the order must be DependencyGraph's, with and without dependencies.
 */
import { ApiObject, App, Chart, DependencyGraph } from 'cdk8s';
import { Construct } from 'constructs';
import * as fc from 'fast-check';
import { chartsInOrder, inDependencyOrder } from '../../src/validate/synth-check';

/** A tree of constructs and ApiObjects under a chart: each entry is the index of an earlier node to nest under (or -1, the chart). */
const trees = fc.array(fc.tuple(fc.integer({ min: -1, max: 30 }), fc.boolean()), { minLength: 1, maxLength: 40 });
const dependencies = fc.array(fc.tuple(fc.nat(39), fc.nat(39)), { maxLength: 6 });

function build(tree: [number, boolean][], deps: [number, number][], chartId: string): Chart {
  const chart = new Chart(new App(), chartId);
  const nodes: Construct[] = [];
  tree.forEach(([parent, object], i) => {
    const scope = parent >= 0 && parent < nodes.length ? nodes[parent] : chart;
    nodes.push(object ? new ApiObject(scope, `o${i}`, { apiVersion: 'v1', kind: 'ConfigMap' }) : new Construct(scope, `c${i}`));
  });
  for (const [a, b] of deps) {
    if (a < nodes.length && b < nodes.length && a !== b) nodes[a].node.addDependency(nodes[b]);
  }
  return chart;
}

test('without dependencies: the tree order, as DependencyGraph gives it', () => {
  fc.assert(fc.property(trees, fc.constantFrom('dev', '7', 'chart-1'), (tree, id) => {
    const chart = build(tree, [], id);
    expect(inDependencyOrder(chart)).toEqual(new DependencyGraph(chart.node).topology());
  }));
});

test('with dependencies: DependencyGraph\'s order', () => {
  fc.assert(fc.property(trees, dependencies, (tree, deps) => {
    const chart = build(tree, deps, 'dev');
    let topology: unknown;
    try {
      topology = new DependencyGraph(chart.node).topology();
    } catch {
      return; // a cycle: cdk8s's own error, either way
    }
    expect(inDependencyOrder(chart)).toEqual(topology);
  }));
});

test("an app's charts: App.charts's order, with and without dependencies between charts and their constructs", () => {
  const apps = fc.array(fc.tuple(trees, fc.boolean()), { minLength: 1, maxLength: 5 });
  // (indexes into every chart and construct made, in order: a chart's own index comes before its constructs')
  fc.assert(fc.property(apps, dependencies, (shapes, deps) => {
    // GIVEN an app of charts, some nested in a construct, with dependencies between any of them and their nodes
    const app = new App();
    const nodes: Construct[] = [];
    shapes.forEach(([tree, nested], i) => {
      const chart = new Chart(nested ? new Construct(app, `group${i}`) : app, `chart${i}`);
      nodes.push(chart);
      const first = nodes.length;
      tree.forEach(([parent, object], j) => {
        const scope = parent >= 0 && parent < j ? nodes[first + parent] : chart;
        nodes.push(object ? new ApiObject(scope, `o${j}`, { apiVersion: 'v1', kind: 'ConfigMap' }) : new Construct(scope, `c${j}`));
      });
    });
    for (const [a, b] of deps) {
      if (a < nodes.length && b < nodes.length && a !== b) nodes[a].node.addDependency(nodes[b]);
    }
    let charts: unknown;
    try {
      charts = app.charts;
    } catch {
      return; // a cycle: cdk8s's own error, either way
    }
    // THEN the order is cdk8s's
    expect(chartsInOrder(app)).toEqual(charts);
  }));
});
