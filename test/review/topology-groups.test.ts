// The diff's picture of an environment is drawn over the environments its objects name, as its connectivity is evaluated
// (namespace-groups.ts): a caller of another folder of the tree is drawn with the verdict of its call, not as a policy
// whose caller has no workload to evaluate.
import * as yaml from 'js-yaml';
import { topologiesOf } from '../../src/review/cli';
import { app, authorizationPolicy, namespace } from '../validate/flow/fixtures';

const dump = (objects: object[]) => objects.map((o) => yaml.dump(o)).join('---\n');
const admitCart = (ports?: string[]) => authorizationPolicy('payments', 'team-b', {
  selector: { matchLabels: { app: 'payments' } },
  rules: [{ from: [{ source: { principals: ['cluster.local/ns/team-a/sa/cart'] } }], to: [{ operation: { methods: ['POST'], ...(ports ? { ports } : {}) } }] }],
});
const tree = (policy: object) => new Map([
  ['team-a/app.yaml', dump([namespace('team-a', { 'istio-injection': 'enabled' }), ...app('cart', 'team-a')])],
  ['team-b/app.yaml', dump([namespace('team-b', { 'istio-injection': 'enabled' }), ...app('payments', 'team-b'), policy])],
]);

describe("the diff's topology of an environment called from another folder of the tree", () => {
  test('the caller is evaluated: allowed, or refused by the layer that refuses it', () => {
    const allowed = topologiesOf(tree(admitCart()), ['team-b']).get('team-b')!;
    expect(allowed).toContain('team_a_cart ==>|"✔ POST any path"| payments');
    expect(allowed).not.toContain('|"policy:');
    // The Service's port (80) where the sidecar matches the pod's (8080): refused.
    const refused = topologiesOf(tree(admitCart(['80'])), ['team-b']).get('team-b')!;
    expect(refused).toContain('team_a_cart -->|"✖ AuthorizationPolicy: POST any path"| payments');
  });

  test('an environment no other names keeps its own picture', () => {
    const alone = new Map([['team-a/app.yaml', dump([namespace('team-a'), ...app('cart', 'team-a')])],
      ['team-c/app.yaml', dump([namespace('team-c'), ...app('other', 'team-c')])]]);
    const picture = topologiesOf(alone, ['team-a']).get('team-a')!;
    expect(picture).toContain('cart');
    expect(picture).not.toContain('other');
  });
});
