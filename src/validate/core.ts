/**
 * Core Kubernetes objects checked against their own schemas (kubernetes-models),
 * and the metadata rules the API server applies to every object.
 */
import { cidrPrefixLength, inCidr } from '../core/cidr';
import { Codes } from '../core/codes';
import { isDns1123Label, isDns1123Subdomain, isIanaServiceName, isLabelKey, isLabelValue } from '../core/names';
import { compareQuantities, parseQuantity } from '../private/quantity';
import { Finding, finding, fieldOfPointer, Manifest, podTemplate, podTemplateField } from './finding';
import { refusedPointers } from './refused';

/** The kubernetes-models module of each core kind we check, by `<apiVersion>/<kind>`. */
const MODELS: Record<string, string> = {
  'v1/Namespace': 'kubernetes-models/v1/Namespace',
  'v1/Service': 'kubernetes-models/v1/Service',
  'v1/ServiceAccount': 'kubernetes-models/v1/ServiceAccount',
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/Secret': 'kubernetes-models/v1/Secret',
  'v1/Pod': 'kubernetes-models/v1/Pod',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'apps/v1/StatefulSet': 'kubernetes-models/apps/v1/StatefulSet',
  'apps/v1/DaemonSet': 'kubernetes-models/apps/v1/DaemonSet',
  'batch/v1/Job': 'kubernetes-models/batch/v1/Job',
  'batch/v1/CronJob': 'kubernetes-models/batch/v1/CronJob',
  'networking.k8s.io/v1/NetworkPolicy': 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
  'networking.k8s.io/v1/Ingress': 'kubernetes-models/networking.k8s.io/v1/Ingress',
  'autoscaling/v2/HorizontalPodAutoscaler': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
  'rbac.authorization.k8s.io/v1/Role': 'kubernetes-models/rbac.authorization.k8s.io/v1/Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding',
  // What a Helm chart of a platform component installs beside its workloads (cert-manager's and Argo CD's, say): its CRDs, the
  // webhooks of its admission controller, a ReplicaSet, a claim, a priority class. These are the API server's own kinds, not a
  // third party's, so they are validated, not reported as unknown (MESH152, an error under --strict).
  'apps/v1/ReplicaSet': 'kubernetes-models/apps/v1/ReplicaSet',
  'v1/PersistentVolumeClaim': 'kubernetes-models/v1/PersistentVolumeClaim',
  'v1/Endpoints': 'kubernetes-models/v1/Endpoints',
  'v1/LimitRange': 'kubernetes-models/v1/LimitRange',
  'v1/ResourceQuota': 'kubernetes-models/v1/ResourceQuota',
  'discovery.k8s.io/v1/EndpointSlice': 'kubernetes-models/discovery.k8s.io/v1/EndpointSlice',
  'scheduling.k8s.io/v1/PriorityClass': 'kubernetes-models/scheduling.k8s.io/v1/PriorityClass',
  'apiextensions.k8s.io/v1/CustomResourceDefinition': 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition',
  ...Object.fromEntries(['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'].map((kind) =>
    [`admissionregistration.k8s.io/v1/${kind}`, `kubernetes-models/admissionregistration.k8s.io/v1/${kind}`])),
};

const modelCache = new Map<string, any>();

function modelOf(key: string): any {
  if (!modelCache.has(key)) {
    const mod = require(MODELS[key]); // eslint-disable-line @typescript-eslint/no-require-imports
    modelCache.set(key, mod[key.split('/').pop()!]);
  }
  return modelCache.get(key);
}

/**
 * Validates `data` against a kubernetes-models model's schema, throwing its ValidationError.
 * `new Model(data).validate()` first deep-copies `data` without its undefined values (the
 * model's `setDefinedProps`), then validates the copy. The object is validated as it is first:
 * a key with an undefined value can only add an error (an unknown field, additionalProperties)
 * that the copy does not have (the schemas of these kinds hold no keyword that fails on fewer
 * keys), so an object that passes passes as its copy would; one that fails is validated again
 * as a copy, for the copy's errors exactly. Every object read from YAML or rendered by cdk8s
 * passes or fails alike, and only a failing one is copied.
 */
function validateModel(Model: any, data: Manifest): void {
  try {
    Model.prototype.validate.call(data);
  } catch {
    new Model(data).validate();
  }
}

/** True if the core schemas know `<apiVersion>/<kind>`. */
export function isCoreKind(m: Manifest): boolean {
  return `${m.apiVersion}/${m.kind}` in MODELS;
}

/**
 * Problems of a core object against its schema; undefined if the kind is not one we check.
 * `refused` collects the JSON pointers of the values the schema refuses.
 */
export function checkCoreObject(m: Manifest, refused?: string[]): Finding[] | undefined {
  const key = `${m.apiVersion}/${m.kind}`;
  if (!(key in MODELS)) return undefined;
  const Model = modelOf(key);
  try {
    validateModel(Model, m);
    return [...requestAboveLimitProblems(m), ...servicePortRules(m), ...networkPolicyPeerRules(m)];
  } catch (e: any) {
    const errors: any[] = e?.errors ?? [{ instancePath: '', message: String(e?.message ?? e) }];
    const seen = new Set<string>();
    const out: Finding[] = [];
    for (const err of errors) {
      refused?.push(...refusedPointers({ keyword: String(err.keyword ?? ''), instancePath: String(err.instancePath ?? ''), params: err.params }));
      const field = fieldOfPointer(err.instancePath ?? '');
      const extra = err.keyword === 'additionalProperties' ? ` '${err.params?.additionalProperty}'` : '';
      const msg = `${err.message}${extra}`;
      if (seen.has(`${field}\u0000${msg}`)) continue;
      seen.add(`${field}\u0000${msg}`);
      out.push(finding(Codes.CORE_SCHEMA_VIOLATION, m, field, msg));
    }
    return out;
  }
}

/** Kinds whose names must be DNS-1123 labels rather than subdomains. */
const LABEL_NAMED = new Set(['Namespace', 'Service']);

/** ObjectMeta's schema (kubernetes-models), which every object's metadata decodes into. */
let objectMeta: any;

/** ObjectMeta's model, from kubernetes-models' own apimachinery package (a dependency of it, not of ours). */
function loadObjectMeta(): any {
  const file = require.resolve('@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta', {
    paths: [require.resolve('kubernetes-models/package.json')],
  });
  return require(file).ObjectMeta; // eslint-disable-line @typescript-eslint/no-require-imports
}

/** Type problems of `metadata`, as the API server's decoding into ObjectMeta reports them. */
function metadataTypeProblems(m: Manifest, refused?: string[]): Finding[] {
  if (m.metadata === undefined) return [];
  if (m.metadata === null || typeof m.metadata !== 'object' || Array.isArray(m.metadata)) {
    refused?.push('/metadata');
    return [finding(Codes.INVALID_METADATA, m, 'metadata', 'must be object')];
  }
  objectMeta ??= loadObjectMeta();
  try {
    validateModel(objectMeta, m.metadata);
    return [];
  } catch (e: any) {
    const errors: any[] = e?.errors ?? [{ instancePath: '', message: String(e?.message ?? e) }];
    for (const err of errors) {
      const instancePath = `/metadata${err.instancePath ?? ''}`;
      refused?.push(...refusedPointers({ keyword: String(err.keyword ?? ''), instancePath, params: err.params }));
    }
    const fieldOf = (pointer: string) => `metadata${fieldOfPointer(pointer).replace(/^(?=[^[])/, '.').replace(/^\.$/, '')}`;
    return errors.map((err) => finding(Codes.INVALID_METADATA, m, fieldOf(err.instancePath ?? ''), String(err.message)));
  }
}

/**
 * The API server's metadata rules: an ObjectMeta of the right types (name, namespace, labels and
 * annotations strings), a name of the right shape, valid labels. `typed`: false where the kind's
 * own schema types metadata (kubernetes-models for core kinds), so each problem is reported once.
 */
export function checkMetadata(m: Manifest, refused?: string[], typed = true): Finding[] {
  const md = m.metadata;
  if (md !== undefined && (md === null || typeof md !== 'object' || Array.isArray(md))) return typed ? metadataTypeProblems(m, refused) : [];
  if (typed) {
    const problems = metadataTypeProblems(m, refused);
    if (problems.length > 0) return problems;
  }
  const out: Finding[] = [];
  const name = md?.name;
  const label = LABEL_NAMED.has(m.kind);
  if (typeof name !== 'string' || name === '') {
    if (typed || name === undefined || name === '') out.push(finding(Codes.INVALID_METADATA, m, 'metadata.name', 'is required'));
  } else if (!(label ? isDns1123Label(name) : isDns1123Subdomain(name))) {
    out.push(finding(Codes.INVALID_METADATA, m, 'metadata.name', `'${name}' is not a DNS-1123 ${label ? 'label' : 'subdomain'}`));
  }
  const labels = md?.labels;
  for (const [k, v] of Object.entries(labels && typeof labels === 'object' && !Array.isArray(labels) ? labels : {})) {
    if (!isLabelKey(k)) {
      out.push(finding(Codes.INVALID_METADATA, m, `metadata.labels.${k}`, `'${k}' is not a valid label key`));
    }
    if (typeof v !== 'string' || !isLabelValue(v)) {
      if (typed || typeof v === 'string') {
        out.push(finding(Codes.INVALID_METADATA, m, `metadata.labels.${k}`, `'${String(v)}' is not a valid label value`));
      }
    }
  }
  return out;
}

/**
 * Requests above their limits in every container of a pod template, init containers included:
 * the API server rejects the pod ("must be less than or equal to <resource> limit of <limit>").
 * @see https://github.com/kubernetes/kubernetes/blob/master/pkg/apis/core/validation/validation.go (ValidateContainerResourceRequirements)
 */
export function requestAboveLimitProblems(m: Manifest): Finding[] {
  const template = podTemplate(m);
  const spec = template?.spec;
  if (!spec || typeof spec !== 'object') return [];
  const at = podTemplateField(m);
  const out: Finding[] = [];
  for (const list of ['initContainers', 'containers'] as const) {
    const containers: unknown = spec[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((c: any, i: number) => {
      const requests = c?.resources?.requests;
      const limits = c?.resources?.limits;
      if (!requests || typeof requests !== 'object' || !limits || typeof limits !== 'object') return;
      for (const [resource, given] of Object.entries(requests)) {
        const request = parseQuantity(given);
        const limit = parseQuantity(limits[resource]);
        if (!request || !limit || compareQuantities(request, limit) <= 0) continue;
        const field = `${at ? `${at}.` : ''}spec.${list}[${i}].resources.requests.${resource}`;
        const message = `the request ${String(given)} must be less than or equal to the ${resource} limit of ${String(limits[resource])}`;
        out.push(finding(Codes.REQUEST_ABOVE_LIMIT, m, field, `container '${String(c?.name)}': ${message}`));
      }
    });
  }
  return out;
}

/**
 * What the API server refuses of a Service's ports beyond their schema (kubernetes pkg/apis/core/validation/validation.go,
 * ValidateService and validateServicePort): a name on every port when there are several, names unique and DNS-1123 labels, a
 * named targetPort an IANA service name, and no two ports of one number and protocol.
 */
function servicePortRules(m: Manifest): Finding[] {
  if (m.kind !== 'Service' || !Array.isArray(m.spec?.ports)) return [];
  const ports = m.spec.ports as Manifest[];
  const out: Finding[] = [];
  const names = new Set<string>();
  const numbers = new Set<string>();
  ports.forEach((p, i) => {
    const at = `spec.ports[${i}]`;
    const name = typeof p?.name === 'string' ? p.name : '';
    if (name === '' && ports.length > 1) {
      out.push(finding(Codes.CORE_SCHEMA_VIOLATION, m, `${at}.name`, 'is required when the Service has several ports'));
    }
    if (name !== '' && !isDns1123Label(name)) out.push(finding(Codes.CORE_SCHEMA_VIOLATION, m, `${at}.name`, `'${name}' is not a DNS-1123 label`));
    if (name !== '' && names.has(name)) out.push(finding(Codes.CORE_SCHEMA_VIOLATION, m, `${at}.name`, `'${name}' names two ports`));
    names.add(name);
    if (typeof p?.targetPort === 'string' && !isIanaServiceName(p.targetPort)) {
      out.push(finding(Codes.CORE_SCHEMA_VIOLATION, m, `${at}.targetPort`,
        `'${p.targetPort}' is not a port name (an IANA service name: 1 to 15 lowercase letters, digits and '-', with a letter)`));
    }
    const key = `${p?.port}/${String(p?.protocol ?? 'TCP').toUpperCase()}`;
    if (numbers.has(key)) out.push(finding(Codes.CORE_SCHEMA_VIOLATION, m, `${at}.port`, `${key} is the port and protocol of another port`));
    numbers.add(key);
  });
  return out;
}

/**
 * What the API server refuses of a NetworkPolicy's peers beyond their schema (kubernetes pkg/apis/networking/validation/validation.go,
 * ValidateNetworkPolicyPeer and ValidateIPBlock): a peer names something, and an `ipBlock` nothing else; its `cidr` is a CIDR
 * (`10.0.0.0/16`, not a bare address), and each `except` a CIDR that is a strict subset of it (the cidr contains its address and
 * has the shorter prefix).
 * @see https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/#NetworkPolicySpec
 */
function networkPolicyPeerRules(m: Manifest): Finding[] {
  if (m.kind !== 'NetworkPolicy') return [];
  const out: Finding[] = [];
  for (const [direction, peers] of [['ingress', 'from'], ['egress', 'to']] as const) {
    const rules: unknown = m.spec?.[direction];
    if (!Array.isArray(rules)) continue;
    rules.forEach((r: any, i: number) => (Array.isArray(r?.[peers]) ? r[peers] : []).forEach((peer: any, j: number) => {
      out.push(...peerProblems(m, `spec.${direction}[${i}].${peers}[${j}]`, peer));
    }));
  }
  return out;
}

function peerProblems(m: Manifest, at: string, peer: any): Finding[] {
  const kinds = ['podSelector', 'namespaceSelector', 'ipBlock'].filter((k) => peer?.[k] !== undefined && peer?.[k] !== null);
  if (kinds.length === 0) return [finding(Codes.CORE_SCHEMA_VIOLATION, m, at, 'must specify a peer')];
  const block = peer.ipBlock;
  if (block === undefined || block === null) return [];
  if (kinds.length > 1) return [finding(Codes.CORE_SCHEMA_VIOLATION, m, at, 'may not specify both ipBlock and another peer')];
  const cidr = typeof block.cidr === 'string' ? block.cidr : '';
  const bits = cidrPrefixLength(cidr);
  if (bits === undefined) {
    return [finding(Codes.CORE_SCHEMA_VIOLATION, m, `${at}.ipBlock.cidr`, `'${cidr}' must be a valid CIDR value (10.9.8.0/24 or 2001:db8::/64)`)];
  }
  const out: Finding[] = [];
  (Array.isArray(block.except) ? block.except : []).forEach((e: unknown, k: number) => {
    const text = String(e);
    const exceptBits = cidrPrefixLength(text);
    const field = `${at}.ipBlock.except[${k}]`;
    if (exceptBits === undefined) {
      out.push(finding(Codes.CORE_SCHEMA_VIOLATION, m, field, `'${text}' must be a valid CIDR value (10.9.8.0/24 or 2001:db8::/64)`));
    } else if (exceptBits <= bits || !inCidr(text.split('/')[0], cidr)) {
      out.push(finding(Codes.CORE_SCHEMA_VIOLATION, m, field, `'${text}' must be a strict subset of \`cidr\` (${cidr})`));
    }
  });
  return out;
}
