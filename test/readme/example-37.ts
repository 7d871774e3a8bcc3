// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App, Duration } from 'cdk8s';
import { AppMetric, AppSloEvents, LabelMatcher, MeshChart, MeshService, ObservabilityStack, Percentage } from 'cdk8s-mesh';

const app = new App();
const chart = new MeshChart(app, 'production', { namespace: 'production' });
const editor = new MeshService(chart, 'editor', { image: 'registry.example.com/editor:2.3.0', metrics: { port: 8080 } });
const stack = new ObservabilityStack(chart, 'observability', { name: 'docs' });
// 99.9% of the messages the editor broadcasts reach the other clients within 250ms.
stack.addAppSlo(editor, {
  name: 'message-latency',
  events: AppSloEvents.latency({
    histogram: AppMetric.of('editor_message_latency_seconds', LabelMatcher.equals('direction', 'broadcast')),
    threshold: Duration.millis(250),
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5],
  }),
  objective: Percentage.of(99.9),
});
// 99% of the document syncs succeed.
stack.addAppSlo(editor, {
  name: 'sync-runs',
  events: AppSloEvents.ratio({
    bad: AppMetric.of('editor_sync_runs_total', LabelMatcher.equals('result', 'failed')),
    total: AppMetric.of('editor_sync_runs_total'),
  }),
  objective: Percentage.of(99),
});
export {};
