// Core objects are validated against kubernetes-models' schemas as `new Model(data).validate()`
// does (a copy without undefined values): the object itself first, the copy only when it fails.
import { checkCoreObject } from '../../src/validate/core';
import { deployment } from './flow/fixtures';

describe('core objects against their schemas', () => {
  test('an unknown field holding undefined is no error, as it is none on the model\'s copy', () => {
    const d = deployment('a', 'shop');
    d.spec.bogus = undefined;
    d.spec.template.spec.containers[0].imagePullPolicy = undefined;
    expect(checkCoreObject(d, [])).toEqual([]);
  });

  test('a wrong value is reported with the copy\'s errors, its refused values collected', () => {
    const d = deployment('a', 'shop');
    d.spec.replicas = 'three';
    d.spec.bogus = undefined;
    const refused: string[] = [];
    expect(checkCoreObject(d, refused)).toEqual([expect.objectContaining({ code: 'MESH153', field: 'spec.replicas', message: 'must be integer' })]);
    expect(refused).toEqual(['/spec/replicas']);
  });

  test('the verdict is the model\'s own, whatever the object holds', () => {
    // kubernetes-models' Deployment, as `new Deployment(data).validate()` judges it
    const { Deployment } = require('kubernetes-models/apps/v1/Deployment');
    const variants: ((d: any) => void)[] = [
      () => undefined, (d) => { d.spec.bogus = 1; }, (d) => { d.spec.template = undefined; }, (d) => { delete d.spec.selector; },
      (d) => { d.spec.template.spec.containers[0].ports = [{ containerPort: 'x', name: undefined }]; },
      (d) => { d.metadata.labels = { a: undefined }; },
    ];
    for (const change of variants) {
      const d = deployment('a', 'shop');
      change(d);
      let expected: string[] = [];
      try { new Deployment(d).validate(); } catch (e: any) { expected = e.errors.map((x: any) => x.message); }
      expect(checkCoreObject(d, [])!.map((f) => f.message)).toEqual(expected);
    }
  });
});
