import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { isIpAddress } from '../core/cidr';
import { Codes } from '../core/codes';
import { Labels } from '../core/labels';
import { isDns1123Label, isLabelKey, labelValueProblem } from '../core/names';
import { Principal } from '../core/principal';
import { Problem, problem } from '../core/problem';
import type { IntendedFlow } from '../core/flow';
import { addProblems } from '../private/construct-problems';
import { isRemoteService } from './brands';
import { callFlows, hasIntendedFlows } from './intended-flows';
import type { IMeshService, ServiceCall } from './interfaces';
import type { MeshService } from './mesh-service';
import type { CallOptions } from './service-call';
import { addWorkloadEntry, addWorkloadGroup } from './virtual-machine-group.render';
import { addVmEndpoints } from './vm-endpoints';
import { ServiceSecurity } from './security/service-security';

/** The label istiod reads an endpoint's TLS mode from (istio/api label: security.istio.io/tlsMode). */
const TLS_MODE_LABEL = 'security.istio.io/tlsMode';

/** One VM of a {@link VirtualMachineGroup}. */
export interface VirtualMachine {
  /** Its name, a DNS-1123 label: its WorkloadEntry is `<group>-<name>`. */
  readonly name: string;
  /**
   * Its IP address (IPv4 or IPv6), where its sidecar takes the service's traffic: the WorkloadEntry's `address`, and the
   * `ipBlock` (`/32`, `/128`) its callers' NetworkPolicy egress and its callees' ingress admit it by.
   */
  readonly address: string;
  /**
   * The network it is on, when it is not the cluster's (a multi-network mesh).
   * @default - the group's `network`
   * @see https://istio.io/latest/docs/reference/config/networking/workload-entry/#WorkloadEntry
   */
  readonly network?: string;
  /**
   * Labels of this VM over the group's.
   * @default {}
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Its locality, `<region>/<zone>/<subzone>`, for locality load balancing.
   * @default - none
   */
  readonly locality?: string;
  /**
   * Its load-balancing weight among the host's endpoints (1 to 4294967295).
   * @default - none (istiod's default, 1)
   */
  readonly weight?: number;
}

/** The props of a {@link VirtualMachineGroup}. */
export interface VirtualMachineGroupProps {
  /**
   * The service the VMs serve: its host, Service, ServiceAccount, Sidecar, PeerAuthentication and AuthorizationPolicy are
   * theirs. Beside its pods (the migration of a monolith), or alone with `replicas: 0`.
   */
  readonly service: MeshService;
  /** The VMs, at least one. */
  readonly machines: readonly VirtualMachine[];
  /**
   * The name of the WorkloadGroup, and the prefix of each VM's WorkloadEntry.
   * @default - the construct's id
   */
  readonly name?: string;
  /**
   * The `version` label of the VMs: the service's version by default, so that its current subset (`stable`) holds them beside
   * its pods; another version gets a subset of its own (`subset`), which routes may name.
   * @default - the service's version
   */
  readonly version?: string;
  /**
   * The DestinationRule subset of the VMs' version, when it is not one of the service's.
   * @default - the version
   */
  readonly subset?: string;
  /**
   * The network of every VM, when it is not the cluster's.
   * @default - the cluster's network
   */
  readonly network?: string;
  /**
   * Labels of every VM, besides the service's selector label and the version.
   * @default {}
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * The port the VMs listen on for a Service port, by the Service port's number (`{ 80: 9080 }`).
   * @default - each port's targetPort, as the pods
   */
  readonly ports?: Readonly<Record<number, number>>;
  /**
   * Whether the VMs run an Istio sidecar. Without one a VM holds no identity: its WorkloadEntry names no ServiceAccount and is
   * labelled `security.istio.io/tlsMode: disabled`, so auto mTLS sends it plaintext and no policy of its namespace applies to it;
   * no WorkloadGroup is written. Only beside a service whose own pods run none (`sidecar: { inject: false }`), on ports that are
   * not STRICT (MESH228).
   * @default true
   */
  readonly sidecar?: boolean;
}

/**
 * VMs that serve a service of the mesh, each with an Istio sidecar (Istio's "Virtual Machine Installation"): a WorkloadGroup,
 * the template each VM's proxy is bootstrapped from (`istioctl x workload entry configure -f <WorkloadGroup>`, without
 * `--autoregister`: each VM's entry is declared), and one WorkloadEntry per VM, labelled as the service's pods are, so that the
 * service's Kubernetes Service selects them beside its pods (istiod's PILOT_ENABLE_K8S_SELECT_WORKLOAD_ENTRIES, on by default:
 * pilot/pkg/serviceregistry/kube/controller/controller.go, serviceInstancesFromWorkloadInstances) and the subsets of its
 * DestinationRule select them by their `version`.
 *
 * The VMs run as the service's ServiceAccount, so they hold its principal: the service's PeerAuthentication and
 * AuthorizationPolicy apply to their sidecars as to its pods, and its callees' policies admit their calls as the service's.
 * They make the service's calls: each callee's NetworkPolicy ingress admits their addresses, and each call is an intended flow
 * from each VM, proved at synth. The NetworkPolicy egress of the service's callers admits their addresses on the ports they
 * listen on.
 * @see https://istio.io/latest/docs/setup/install/virtual-machine/
 * @see https://istio.io/latest/docs/reference/config/networking/workload-group/
 * @see https://istio.io/latest/docs/reference/config/networking/workload-entry/
 */
export class VirtualMachineGroup extends Construct {
  /** The service the VMs serve. */
  public readonly service: MeshService;
  /** The WorkloadGroup's name. */
  public readonly name: string;
  /** The service's namespace. */
  public readonly namespace: string;
  /** The VMs' `version` label. */
  public readonly version: string;
  /** The subset that holds the VMs. */
  public readonly subset: string;
  /** The network of the group, if it is not the cluster's. */
  public readonly network?: string;
  /** The labels every VM carries: the group's, the service's selector label and the version. */
  public readonly labels: Readonly<Record<string, string>>;
  /** The ServiceAccount the VMs run as: the service's. */
  public readonly serviceAccountName: string;
  /** Their mTLS identity, the service's principal; none for VMs without a sidecar. */
  public readonly principal?: Principal;
  /** Whether the VMs run an Istio sidecar. */
  public readonly sidecar: boolean;
  /** The VMs, as given. */
  public readonly machines: readonly VirtualMachine[];
  /** The port the VMs listen on, by the name of the service's port. */
  public readonly portsByName: Readonly<Record<string, number>>;
  /** The WorkloadGroup, the template of the VMs' proxies; none for VMs without a sidecar. */
  public readonly workloadGroup?: ApiObject;
  /** The WorkloadEntries, one per VM, in the order given. */
  public readonly workloadEntries: readonly ApiObject[];
  private readonly props: VirtualMachineGroupProps;

  public constructor(scope: Construct, id: string, props: VirtualMachineGroupProps) {
    super(scope, id);
    const service = props.service;
    this.props = props;
    this.service = service;
    this.name = props.name ?? id;
    this.namespace = service.namespace;
    this.version = props.version ?? service.version;
    const ownSubset = this.version === service.version ? service.subset : service.versions.find((v) => v.name === this.version)?.subset;
    this.subset = props.subset ?? ownSubset ?? this.version;
    this.network = props.network;
    this.serviceAccountName = service.serviceAccountName;
    this.sidecar = props.sidecar ?? true;
    this.principal = this.sidecar ? service.principal : undefined;
    this.machines = [...props.machines];
    this.labels = {
      ...props.labels, [Labels.APP]: service.name, [Labels.VERSION]: this.version, ...(this.sidecar ? {} : { [TLS_MODE_LABEL]: 'disabled' }),
    };
    const portsByName: Record<string, number> = {};
    for (const p of service.ports) portsByName[p.name] = props.ports?.[p.port] ?? p.targetPort;
    this.portsByName = portsByName;

    // A version none of the service's subsets holds gets its own, which routes may name.
    if (ownSubset === undefined) service.traffic.addSubset(this, { name: this.subset, labels: { [Labels.VERSION]: this.version } });

    const metadata = { namespace: this.namespace, labels: { ...service.resourceLabels } };
    if (this.sidecar) this.workloadGroup = addWorkloadGroup(this, 'WorkloadGroup', { ...metadata, name: this.name }, this);
    this.workloadEntries = this.machines.map((vm, i) => addWorkloadEntry(this, `WorkloadEntry${i}`, { ...metadata, name: this.entryName(vm) }, this, {
      address: vm.address,
      labels: { ...this.labels, ...vm.labels },
      ...(vm.network !== undefined ? { network: vm.network } : {}),
      ...(vm.locality !== undefined ? { locality: vm.locality } : {}),
      ...(vm.weight !== undefined ? { weight: vm.weight } : {}),
    }));

    addVmEndpoints(service, {
      addresses: this.machines.map((m) => m.address).filter(isIpAddress),
      portFor: (servicePort) => {
        const p = service.ports.find((q) => q.port === servicePort);
        return p ? portsByName[p.name] : undefined;
      },
    });
    register(this);
    // Every call of the service is the VMs' too: one intended flow from each VM, by its WorkloadEntry's name.
    service.chart.addIntendedFlows(() => this.intendedFlows());
    addProblems(this, () => this.problems());
  }

  /**
   * Declares a call of the service, which its pods and these VMs make alike (they run the same code, as the service's
   * principal): `service.calls(target, options)`.
   */
  public calls(target: IMeshService, options?: CallOptions): ServiceCall {
    return this.service.calls(target, options);
  }

  /** VMs without a sidecar where the service's callers send Istio mTLS, or where its mTLS is STRICT (MESH228). */
  private identityProblems(): Problem[] {
    if (this.sidecar) return [];
    const s = this.service;
    if (s.meshed) {
      return [problem(Codes.VM_WITHOUT_IDENTITY, 'sidecar',
        `${s.name}'s pods run a sidecar, so its DestinationRule sends Istio mTLS to every endpoint of its host, which a VM without a `
          + 'sidecar cannot terminate: run the VMs with a sidecar (the default), as the service\'s ServiceAccount')];
    }
    const strict = s.ports.filter((p) => ServiceSecurity.of(s).mtlsModeOn(p.targetPort) === 'STRICT').map((p) => p.port);
    if (strict.length === 0) return [];
    return [problem(Codes.VM_WITHOUT_IDENTITY, 'sidecar',
      `${s.name}'s mTLS is STRICT on port ${strict.join(', ')}, which a VM without a sidecar holds no identity for: `
        + 'run the VMs with a sidecar (the default), or make those ports PERMISSIVE')];
  }

  /** The name of `vm`'s WorkloadEntry: `<group>-<vm>`. */
  public entryName(vm: VirtualMachine): string {
    return `${this.name}-${vm.name}`;
  }

  /** The intended flows of the VMs: each declared call of the service to a service of the app, from each VM. */
  private intendedFlows(): IntendedFlow[] {
    const out: IntendedFlow[] = [];
    for (const c of this.service.outboundCalls) {
      if (!hasIntendedFlows(c)) continue;
      for (const vm of this.machines) {
        const workload = this.entryName(vm);
        for (const f of callFlows(c, { workload, name: `${this.service.name}'s VM ${workload}` })) out.push({ ...f, constructPath: this.node.path });
      }
    }
    return out;
  }

  private problems(): Problem[] {
    const out: Problem[] = [];
    const s = this.service;
    const p = this.props;
    if (!s.hasService || s.node.tryFindChild('Service') === undefined) {
      out.push(problem(Codes.VM_SERVICE_CANNOT_SELECT, 'service',
        `${s.name} writes no Service of its own (${s.hasService ? 'existingService' : 'no ports'}): nothing selects the VMs' WorkloadEntries`));
    } else if (s.serviceType.headless) {
      out.push(problem(Codes.VM_SERVICE_CANNOT_SELECT, 'service',
        `${s.name}'s Service is headless: istiod makes WorkloadEntries endpoints of a client-side load-balanced Service only `
          + '(kube/controller/controller.go, serviceInstancesFromWorkloadInstances)'));
    } else if (s.traffic.virtualServiceOwner === 'flagger') {
      out.push(problem(Codes.VM_SERVICE_CANNOT_SELECT, 'service',
        `Flagger releases ${s.name}: its primary's Service selects the primary's pods (app: ${s.name}-primary), never the VMs`));
    }
    if (!isDns1123Label(this.name)) out.push(problem(Codes.VM_INVALID, 'name', `'${this.name}' is not a DNS-1123 label`));
    if (this.machines.length === 0) out.push(problem(Codes.VM_INVALID, 'machines', 'a VirtualMachineGroup needs at least one VM'));
    for (const [field, value] of [['version', this.version], ['subset', this.subset]] as const) {
      const bad = labelValueProblem(value);
      if (bad || value === '') out.push(problem(Codes.VM_INVALID, field, bad ?? 'is empty'));
    }
    if (p.network !== undefined && !isLabelValueLike(p.network)) {
      out.push(problem(Codes.VM_INVALID, 'network', `'${p.network}' is not a network name`));
    }
    out.push(...labelProblems('labels', p.labels ?? {}, s.name));
    for (const [port, listen] of Object.entries(p.ports ?? {})) {
      if (!s.ports.some((q) => q.port === Number(port))) {
        const ports = s.ports.map((q) => q.port).join(', ') || 'none';
        out.push(problem(Codes.VM_PORT_INVALID, `ports.${port}`, `${s.name} has no port ${port} (${ports})`));
      }
      if (!Number.isInteger(listen) || listen < 1 || listen > 65535) {
        out.push(problem(Codes.VM_PORT_INVALID, `ports.${port}`, `${listen} is not a port number (1-65535)`));
      }
    }
    this.machines.forEach((vm, i) => out.push(...machineProblems(vm, `machines[${i}]`, s.name)));
    out.push(...duplicateProblems(this));
    out.push(...this.identityProblems());
    for (const c of s.outboundCalls) {
      if (isRemoteService(c.target)) {
        out.push(problem(Codes.VM_REMOTE_CALL, 'service',
          `${s.name} calls ${c.target.namespace}/${c.target.name}, another team's service, whose admission names the caller's pod labels: `
            + 'its NetworkPolicy reaches a VM by its address only, so the VMs\' calls are refused there; call it from the pods of '
            + 'another service, or have its team admit the VMs\' addresses'));
        break;
      }
    }
    return out;
  }
}

/** The groups of each service, to find VMs given twice. */
const groupsOf = new WeakMap<IMeshService, VirtualMachineGroup[]>();

function register(group: VirtualMachineGroup): void {
  const list = groupsOf.get(group.service) ?? [];
  list.push(group);
  groupsOf.set(group.service, list);
}

/** VMs of `group` whose address or WorkloadEntry name another VM of the service (of this group or an earlier one) has. */
function duplicateProblems(group: VirtualMachineGroup): Problem[] {
  const out: Problem[] = [];
  const addresses = new Map<string, string>();
  const names = new Map<string, string>();
  for (const g of groupsOf.get(group.service) ?? []) {
    g.machines.forEach((vm, i) => {
      const where = `${g.node.path} machines[${i}]`;
      const mine = g === group;
      const entry = g.entryName(vm);
      const sameAddress = addresses.get(vm.address);
      if (mine && sameAddress) {
        out.push(problem(Codes.VM_DUPLICATE, `machines[${i}].address`, `${vm.address} is also the address of ${sameAddress}`));
      }
      const sameName = names.get(entry);
      if (mine && sameName) out.push(problem(Codes.VM_DUPLICATE, `machines[${i}].name`, `WorkloadEntry ${entry} is also ${sameName}`));
      if (!addresses.has(vm.address)) addresses.set(vm.address, where);
      if (!names.has(entry)) names.set(entry, where);
    });
    if (g === group) break;
  }
  return out;
}

function machineProblems(vm: VirtualMachine, field: string, service: string): Problem[] {
  const out: Problem[] = [];
  if (!isDns1123Label(String(vm.name ?? ''))) out.push(problem(Codes.VM_INVALID, `${field}.name`, `'${vm.name}' is not a DNS-1123 label`));
  const address = String(vm.address ?? '');
  if (!isIpAddress(address)) {
    let why = 'not an IP address (a VM is reached at its own address, not through DNS)';
    if (address.includes('/')) why = 'a CIDR range, not one VM\'s address';
    else if (address.startsWith('unix://')) why = 'a Unix socket: a VM of the mesh is reached over the network';
    else if (address === '') why = 'empty';
    out.push(problem(Codes.VM_ADDRESS_INVALID, `${field}.address`, `'${address}' is ${why}`));
  }
  if (vm.network !== undefined && !isLabelValueLike(vm.network)) {
    out.push(problem(Codes.VM_INVALID, `${field}.network`, `'${vm.network}' is not a network name`));
  }
  if (vm.locality !== undefined && !/^[^/]+(\/[^/]+){0,2}$/.test(vm.locality)) {
    out.push(problem(Codes.VM_INVALID, `${field}.locality`, `'${vm.locality}' is not <region>/<zone>/<subzone>`));
  }
  if (vm.weight !== undefined && (!Number.isInteger(vm.weight) || vm.weight < 1 || vm.weight > 4294967295)) {
    out.push(problem(Codes.VM_INVALID, `${field}.weight`, `${vm.weight} is not a weight (1 to 4294967295)`));
  }
  out.push(...labelProblems(`${field}.labels`, vm.labels ?? {}, service));
  return out;
}

/** Labels that are not labels, or that clash with what the group writes (MESH223). */
function labelProblems(field: string, labels: Readonly<Record<string, string>>, service: string): Problem[] {
  const out: Problem[] = [];
  for (const [key, value] of Object.entries(labels)) {
    if (!isLabelKey(key)) out.push(problem(Codes.VM_INVALID, `${field}.${key}`, `'${key}' is not a label key`));
    const bad = labelValueProblem(String(value));
    if (bad) out.push(problem(Codes.VM_INVALID, `${field}.${key}`, bad));
    if (key === Labels.APP && value !== service) {
      out.push(problem(Codes.VM_LABEL_CLASH, `${field}.${key}`,
        `the service's Service selects app: ${service}; a VM labelled app: ${value} is none of its endpoints`));
    } else if (key === Labels.VERSION) {
      out.push(problem(Codes.VM_LABEL_CLASH, `${field}.${key}`, 'the group\'s `version` sets the version label, which its subset selects'));
    } else if (key === TLS_MODE_LABEL) {
      out.push(problem(Codes.VM_LABEL_CLASH, `${field}.${key}`,
        'the VMs run a sidecar as the service\'s ServiceAccount, whose TLS mode is istio: another mode makes auto mTLS send them plaintext'));
    }
  }
  return out;
}

/** A network name as istiod takes one: a label value, not empty. */
function isLabelValueLike(name: string): boolean {
  return name !== '' && labelValueProblem(name) === undefined;
}
