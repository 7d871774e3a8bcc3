/**
 * The constructs behind parts of one object: where several constructs contribute the rules of an object
 * that one of them renders (the routes of an `EdgeGateway`'s shared VirtualService), a finding about a
 * rule is the construct's that contributed it, so that it is reported, and acknowledged
 * (`Warnings.of(route)`), there rather than on the construct that happened to open the object.
 */
import { Construct, IConstruct } from 'constructs';

/** Which construct contributed the part of an object a finding's field names (`spec.http[2].route[0]`), if known. */
export type FieldOwner = (field: string) => IConstruct | undefined;

const owners = new WeakMap<IConstruct, FieldOwner>();

/** Registers `owner` for the fields of `apiObject`. */
export function setFieldOwner(apiObject: IConstruct, owner: FieldOwner): void {
  owners.set(apiObject, owner);
}

/** The construct that contributed `field` of `apiObject`, if one was registered for it. */
export function fieldOwner(apiObject: IConstruct, field: string): IConstruct | undefined {
  return owners.get(apiObject)?.(field);
}

/**
 * The owner of a VirtualService's `spec.http[i]` when its rules are written part by part, in order: `parts()` gives each
 * part (a construct, when it is one) with the number of rules it wrote.
 */
export function httpRuleOwner(parts: () => readonly (readonly [unknown, number])[]): FieldOwner {
  return (field) => {
    const rule = /^spec\.http\[(\d+)\]/.exec(field);
    if (!rule) return undefined;
    let i = Number(rule[1]);
    for (const [part, count] of parts()) {
      if (i < count) return Construct.isConstruct(part) ? part : undefined;
      i -= count;
    }
    return undefined;
  };
}
