/**
 * A service's Service (its child `Service`) handed over to a controller that generates it itself
 * (Flagger: the apex Service of a Canary). The library then writes none, so that applying the
 * manifests again never reverts what the controller set; the construct stays readable, so that
 * what other constructs put on it (annotations, labels) reaches the controller's own settings.
 */
import { ApiObject } from 'cdk8s';
import type { IConstruct } from 'constructs';

interface HandedOver {
  readonly service: IConstruct;
  readonly controller: string;
}

const HANDED_OVER = new WeakMap<IConstruct, HandedOver>();

/**
 * Takes `service`'s child `Service` out of the tree (it is no longer synthesized) and keeps it for
 * {@link serviceObjectOf}. Returns the Service's object, or undefined when the service writes none
 * (a workload without ports, a team's `existingService`, a wrapper construct that names it otherwise).
 */
export function handOverService(service: IConstruct, controller: string): ApiObject | undefined {
  const before = HANDED_OVER.get(service);
  if (before) return ApiObject.of(before.service);
  const child = service.node.tryFindChild('Service');
  if (!child) return undefined;
  service.node.tryRemoveChild('Service');
  HANDED_OVER.set(service, { service: child, controller });
  return ApiObject.of(child);
}

/** The object of `service`'s Service: its child `Service`, or the one handed over to a controller; undefined when it has none. */
export function serviceObjectOf(service: IConstruct): ApiObject | undefined {
  const child = service.node.tryFindChild('Service') ?? HANDED_OVER.get(service)?.service;
  return child ? ApiObject.of(child) : undefined;
}

/** The controller `service`'s Service was handed over to, if any. */
export function serviceHandedOverTo(service: IConstruct): string | undefined {
  return HANDED_OVER.get(service)?.controller;
}
