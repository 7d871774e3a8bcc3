// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App, Cron, Duration } from 'cdk8s';
import { MeshChart, MeshCronJob, MeshJob, MeshService } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'payments', { namespace: 'payments' });
const ledger = new MeshService(chart, 'ledger', { image: 'registry.example.com/ledger:3.2.0' });
const settlement = new MeshCronJob(chart, 'settlement', {
  image: 'registry.example.com/settlement:1.4.0',
  schedule: Cron.schedule({ minute: '30', hour: '1' }),
  timeZone: 'Europe/Paris',
  activeDeadline: Duration.hours(2),
});
settlement.calls(ledger, { methods: ['POST'], paths: ['/api/settlements'] });
const migrate = new MeshJob(chart, 'migrate-ledger', { image: 'registry.example.com/ledger-migrate:3.2.0', activeDeadline: Duration.minutes(30) });
migrate.calls(ledger, { methods: ['POST'], paths: ['/admin/migrations'] });
export {};
