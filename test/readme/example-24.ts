// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App } from 'cdk8s';
import { MeshChart, MeshService, VirtualMachineGroup } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'production', { namespace: 'production' });
const monolith = new MeshService(chart, 'monolith', { image: 'registry.example.com/monolith:4.2.0' });
const storefront = new MeshService(chart, 'storefront', { image: 'registry.example.com/storefront:1.0.0' });
const inventory = new MeshService(chart, 'inventory', { image: 'registry.example.com/inventory:1.0.0' });
storefront.calls(monolith, { methods: ['GET'], paths: ['/orders/*'] });

// The monolith also runs on two VMs: one host, its pods and the VMs behind it.
const vms = new VirtualMachineGroup(chart, 'monolith-vm', {
  service: monolith,
  machines: [{ name: 'a', address: '10.30.0.5' }, { name: 'b', address: '10.30.0.6', locality: 'eu-west1/eu-west1-b' }],
});
vms.calls(inventory, { methods: ['POST'], paths: ['/reservations'] });
export {};
