/**
 * A team's cdk8s-plus workload meshed as it is: what a MeshService reads of it (identity,
 * namespace, ports, replicas, its Service) and the problems that keep it from being meshed
 * (MESH047), each naming the workload and what to change on it.
 */
import { Codes } from '../core/codes';
import { formatProblem } from '../core/errors';
import { Labels } from '../core/labels';
import { protocolOfPortName } from '../core/ports';
import {
  AdoptedService, AdoptedWorkload, describeService, describeWorkload, governingService, isKplusStatefulSet,
} from '../workload/adopt';
import type { WorkloadResource, WorkloadService } from '../workload/workload';
import type { IMeshChart } from './interfaces';
import type { MeshServiceProps, MeshWorkloadProps } from './mesh-service-props';
import type { ServicePortOptions } from './service-port';

/** A workload a MeshService meshes as it is. */
export interface Adoption {
  /** The team's workload. */
  readonly workload: WorkloadResource;
  /** What the mesh reads of it. */
  readonly description: AdoptedWorkload;
  /** The team's Service the mesh keeps (given, or a StatefulSet's governing one). */
  readonly existingService?: AdoptedService;
  /** The service's ports: given, else its Service's, else its containers' named ports. */
  readonly ports: ServicePortOptions[];
  /** Port names Istio cannot classify, found while deriving the ports. */
  readonly portProblems: string[];
}

/** Reads `workload` (and its Service) for a MeshService. */
export function adopt(workload: WorkloadResource, props: MeshWorkloadProps): Adoption {
  const description = describeWorkload(workload);
  const service: WorkloadService | undefined = props.existingService ?? (isKplusStatefulSet(workload) ? governingService(workload) : undefined);
  const existingService = service ? describeService(service) : undefined;
  const portProblems: string[] = [];
  let ports: ServicePortOptions[];
  if (props.ports) {
    ports = props.ports;
  } else if (existingService) {
    ports = existingService.ports.flatMap((p, i) => portOf(`existingService.ports[${i}]`, p.name, p.port, p.targetPort, portProblems));
  } else {
    ports = description.containerPorts
      .flatMap((p) => portOf(`containers[${p.container}].ports[${p.number}]`, p.name, p.number, p.number, portProblems));
  }
  return { workload, description, existingService, ports, portProblems };
}

/** A Service port from a named port, its protocol read from the name as Istio reads it. */
function portOf(field: string, name: string | undefined, port: number, targetPort: number, problems: string[]): ServicePortOptions[] {
  const protocol = name ? protocolOfPortName(name) : undefined;
  if (!protocol) {
    problems.push(formatProblem(Codes.WORKLOAD_NOT_MESHABLE,
      `${field}: port ${port}${name ? ` '${name}'` : ''} has no name Istio can classify (http, grpc-*, tcp-*, mongo, ...); `
      + 'name it so, or give ports'));
    return [];
  }
  return [{ port, targetPort, protocol, name }];
}

/**
 * Why `a` cannot be meshed as the service `name` of `chart`: another chart (its manifests
 * would not be checked with the chart's, nor written to its folder), another namespace, no
 * ServiceAccount of its own (its pods would share `default`, an identity every other such pod
 * of the namespace has, so an ALLOW rule for it would admit them all), an `app` label of
 * another name (its selector may read it, so the mesh cannot relabel it), a Service that is
 * not named after the service or lives elsewhere.
 */
export function adoptionProblems(a: Adoption, chart: IMeshChart, name: string): string[] {
  const out: string[] = [];
  const bad = (m: string) => out.push(formatProblem(Codes.WORKLOAD_NOT_MESHABLE, `${a.workload.node.path}: ${m}`));
  const d = a.description;
  if ((d.chart as unknown) !== chart) {
    bad(`a ${d.kind} of chart ${d.chart.node.path}; create it in the MeshChart ${chart.node.path}, whose manifests the mesh checks and writes`);
  }
  if (d.namespace !== undefined && d.namespace !== chart.namespace) bad(`metadata.namespace: ${d.namespace}, not the chart's ${chart.namespace}`);
  if (!d.serviceAccountName) {
    bad(`serviceAccount: none, so its pods run as 'default', an identity every such pod of ${chart.namespace} shares; `
      + 'give it a ServiceAccount of its own');
  }
  const app = d.podLabels[Labels.APP];
  if (app !== undefined && app !== name) {
    bad(`its pods' ${Labels.APP} label is '${app}'; name the service '${app}' (name: '${app}'), as its selector may read that label`);
  }
  if (d.containerPorts.length === 0 && !a.existingService && a.ports.length === 0) bad('its containers declare no port, and no ports are given');
  const s = a.existingService;
  if (s && s.name !== name) bad(`existingService: '${s.name}' is the host callers use; name the service '${s.name}'`);
  if (s?.namespace !== undefined && s.namespace !== chart.namespace) bad(`existingService: in ${s.namespace}, not the chart's ${chart.namespace}`);
  if (!s && d.containerPorts.length > 0) {
    // The Service the library writes sends each port to a container port of the workload's.
    const declared = new Set(d.containerPorts.map((p) => p.number));
    a.ports.forEach((p, i) => {
      const target = p.targetPort ?? p.port;
      if (!declared.has(target)) bad(`ports[${i}].targetPort: ${target} is not a port of its containers (${[...declared].join(', ')})`);
    });
  }
  out.push(...a.portProblems);
  return out;
}

/** The team's workloads being meshed, by the props object that carries them to MeshService's constructor. */
const ADOPTIONS = new WeakMap<object, Adoption>();

/**
 * The props of a MeshService that meshes `workload` as it is, carrying what was read of it:
 * its image and replicas, its ports, and a name as its callers know it (its Service, its
 * pods' app label, else its own name).
 */
export function adoptionProps(workload: WorkloadResource, props: MeshWorkloadProps): MeshServiceProps {
  const adoption = adopt(workload, props);
  const { existingService, sidecar, ...common } = props;
  const meshProps: MeshServiceProps = {
    ...common, sidecar, image: adoption.description.image, replicas: adoption.description.replicas, ports: adoption.ports,
    name: props.name ?? adoption.existingService?.name ?? adoption.description.podLabels[Labels.APP] ?? workload.name,
  };
  ADOPTIONS.set(meshProps, adoption);
  return meshProps;
}

/** The workload `props` carries, if they are a meshed workload's ({@link adoptionProps}). */
export function adoptionOf(props: MeshServiceProps): Adoption | undefined {
  return ADOPTIONS.get(props);
}
