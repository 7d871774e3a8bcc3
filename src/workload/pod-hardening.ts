import { Codes } from '../core/codes';
import { formatProblem } from '../core/errors';
import { HARDENING_ANNOTATION_PREFIX, LINUX_CAPABILITIES } from './security-context';

/** The UID of the Envoy sidecar; Istio's traffic capture exempts it, so no workload may use it. */
export const ENVOY_UID = 1337;

/** The fields an exception annotation may excuse, besides `capabilities.<CAPABILITY>`. */
const EXCUSABLE = new Set([
  'runAsNonRoot', 'allowPrivilegeEscalation', 'readOnlyRootFilesystem', 'seccompProfile', 'resources.limits.cpu', 'resources.limits.memory',
]);

/** Options of {@link podHardeningProblems}. */
export interface HardeningCheckOptions {
  /** The pod mounts its ServiceAccount token on purpose. */
  readonly allowToken?: boolean;
  /** The pod template's annotations, where exceptions are recorded (`mesh.cdk8s.io/hardening.<container>.<field>`). */
  readonly annotations?: Readonly<Record<string, unknown>>;
}

/**
 * Problems with a pod spec (plain Kubernetes JSON), as hardening scanners (kube-score,
 * Polaris, Pod Security "restricted") report them, judged field by field: every container
 * runs as non-root, with a read-only root filesystem, no privilege escalation, all
 * capabilities dropped, a confining seccomp profile (RuntimeDefault or Localhost) and CPU and memory
 * requests and limits, unless the pod template's annotation
 * `mesh.cdk8s.io/hardening.<container>.<field>` gives the reason for that one field
 * (`...capabilities.<CAPABILITY>` for each capability added). Never privileged, never
 * UID 1337 (MESH209), no ServiceAccount token unless `allowToken`. An exception annotation
 * that names no container, no reason or nothing loosened is reported too (MESH040).
 */
export function podHardeningProblems(pod: Record<string, any> | undefined, options: HardeningCheckOptions = {}): string[] {
  if (!pod) return [formatProblem(Codes.POD_NOT_HARDENED, 'spec.template.spec: no pod spec')];
  const out: string[] = [];
  const podCtx = pod.securityContext ?? {};
  for (const key of ['runAsUser', 'runAsGroup'] as const) {
    if (podCtx[key] === ENVOY_UID) {
      out.push(
        formatProblem(
          Codes.RESERVED_UID,
          `securityContext.${key}: ${ENVOY_UID} is reserved for the Envoy proxy; its traffic would bypass the sidecar`,
        ),
      );
    }
  }
  if (pod.automountServiceAccountToken !== false && !options.allowToken) {
    out.push(formatProblem(Codes.POD_NOT_HARDENED, 'automountServiceAccountToken: must be false unless the service asks for its token'));
  }
  const excuses = exceptionsOf(options.annotations ?? {}, out);
  const used = new Set<string>();
  const containers: Record<string, any>[] = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
  for (const c of containers) out.push(...containerProblems(c, podCtx, excuses, used));
  const names = new Set(containers.map((c) => String(c.name)));
  for (const key of excuses.keys()) {
    const container = key.split('.')[0];
    const at = `metadata.annotations.${HARDENING_ANNOTATION_PREFIX}${key}`;
    if (!names.has(container)) {
      out.push(formatProblem(Codes.INVALID_HARDENING_EXCEPTION, `${at}: names no container of the pod (${[...names].join(', ')})`));
    } else if (!used.has(key)) out.push(formatProblem(Codes.INVALID_HARDENING_EXCEPTION, `${at}: excuses a field that is not loosened; remove it`));
  }
  return out;
}

/** The exception annotations, `<container>.<field>` to reason; malformed ones are reported. */
function exceptionsOf(annotations: Readonly<Record<string, unknown>>, out: string[]): Map<string, string> {
  const excuses = new Map<string, string>();
  for (const [k, v] of Object.entries(annotations)) {
    if (!k.startsWith(HARDENING_ANNOTATION_PREFIX)) continue;
    const key = k.slice(HARDENING_ANNOTATION_PREFIX.length);
    const dot = key.indexOf('.');
    const field = dot < 0 ? '' : key.slice(dot + 1);
    const known = EXCUSABLE.has(field) || (field.startsWith('capabilities.') && LINUX_CAPABILITIES.has(field.slice('capabilities.'.length)));
    if (!known) {
      out.push(formatProblem(Codes.INVALID_HARDENING_EXCEPTION,
        `metadata.annotations.${k}: '${field}' is not a field an exception can excuse (${[...EXCUSABLE].join(', ')}, capabilities.<CAPABILITY>)`));
    } else if (typeof v !== 'string' || v.trim() === '') {
      out.push(formatProblem(Codes.INVALID_HARDENING_EXCEPTION, `metadata.annotations.${k}: give the reason the image needs it`));
    } else {
      excuses.set(key, v);
    }
  }
  return excuses;
}

/** The problems of one container, each field judged against its exception (recorded in `used`). */
function containerProblems(c: Record<string, any>, podCtx: Record<string, any>, excuses: Map<string, string>, used: Set<string>): string[] {
  const out: string[] = [];
  const name = String(c.name);
  const at = `containers[${name}]`;
  const sc = c.securityContext ?? {};
  const loosened = (field: string, message: string) => {
    const key = `${name}.${field}`;
    if (excuses.has(key)) used.add(key);
    else out.push(formatProblem(Codes.POD_NOT_HARDENED, `${at}.${message}, or excused by ${HARDENING_ANNOTATION_PREFIX}${key}`));
  };
  for (const key of ['runAsUser', 'runAsGroup'] as const) {
    if (sc[key] === ENVOY_UID) {
      out.push(formatProblem(Codes.RESERVED_UID,
        `${at}.securityContext.${key}: ${ENVOY_UID} is reserved for the Envoy proxy; its traffic would bypass the sidecar`));
    }
  }
  const user = sc.runAsUser ?? podCtx.runAsUser;
  if ((sc.runAsNonRoot ?? podCtx.runAsNonRoot) !== true || user === 0) {
    loosened('runAsNonRoot', 'securityContext.runAsNonRoot: must be true, with a non-zero runAsUser');
  }
  if (sc.readOnlyRootFilesystem !== true) loosened('readOnlyRootFilesystem', 'securityContext.readOnlyRootFilesystem: must be true');
  if (sc.allowPrivilegeEscalation !== false) loosened('allowPrivilegeEscalation', 'securityContext.allowPrivilegeEscalation: must be false');
  if (sc.privileged === true) out.push(formatProblem(Codes.POD_NOT_HARDENED, `${at}.securityContext.privileged: must not be true`));
  const drop: string[] = sc.capabilities?.drop ?? [];
  if (!drop.includes('ALL')) out.push(formatProblem(Codes.POD_NOT_HARDENED, `${at}.securityContext.capabilities.drop: must include ALL`));
  for (const raw of (sc.capabilities?.add ?? []) as unknown[]) {
    // Kubernetes takes the kernel's names without CAP_; containerd adds the prefix either way.
    const cap = String(raw).replace(/^CAP_/, '');
    if (cap === 'ALL' || !LINUX_CAPABILITIES.has(cap)) {
      const what = cap === 'ALL' ? 'every capability' : 'not a Linux capability';
      out.push(formatProblem(Codes.UNKNOWN_CAPABILITY, `${at}.securityContext.capabilities.add: '${String(raw)}' is ${what}`));
    } else {
      loosened(`capabilities.${cap}`, `securityContext.capabilities.add: ${cap} must not be added`);
    }
  }
  // Pod Security "restricted": seccompProfile.type RuntimeDefault or Localhost, on the pod or on every container;
  // left out, the runtime runs the container Unconfined. https://kubernetes.io/docs/concepts/security/pod-security-standards/ (Seccomp (v1.19+))
  const seccomp = (sc.seccompProfile ?? podCtx.seccompProfile)?.type;
  if (seccomp === 'Unconfined') {
    loosened('seccompProfile', 'securityContext.seccompProfile: must not be Unconfined');
  } else if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
    loosened('seccompProfile', 'securityContext.seccompProfile: must be RuntimeDefault (or Localhost), on the container or the pod; '
      + 'without it the container runs Unconfined and Pod Security "restricted" rejects the pod');
  }
  for (const r of ['cpu', 'memory']) {
    if (c.resources?.requests?.[r] === undefined) out.push(formatProblem(Codes.POD_NOT_HARDENED, `${at}.resources.requests.${r}: must be set`));
    if (c.resources?.limits?.[r] === undefined) loosened(`resources.limits.${r}`, `resources.limits.${r}: must be set`);
  }
  return out;
}
