/**
 * HashiCorp Vault's agent injector as a typed option of a workload: the pod annotations it reads, and what makes its agent reach
 * Vault from a meshed pod.
 *
 * The injector (hashicorp/vault-k8s `agent-inject`) mutates a pod whose `vault.hashicorp.com/agent-inject` is true: it adds the
 * init container `vault-agent-init`, which logs in to Vault with the pod's ServiceAccount token (Kubernetes auth, `role`) and
 * renders each secret `vault.hashicorp.com/agent-inject-secret-<name>` names into `/vault/secrets/<name>` before the
 * application starts, and a `vault-agent` container that keeps them fresh, unless `agent-pre-populate-only` says the init
 * container alone (agent-inject/agent/annotations.go; agent.go `Patch`). Its login needs the token mounted (agent.go
 * `serviceaccount`: "failed to find service account volume mount", MESH231), and in a meshed pod istio-proxy must be a native
 * sidecar started before the init container, else its connection meets the pod's redirection before Envoy runs (MESH230). The
 * agent's connections to Vault are the pod's calls: its Sidecar egress, its NetworkPolicy egress, an intended flow proved at synth.
 * @see https://developer.hashicorp.com/vault/docs/platform/k8s/injector/annotations
 */
import { Codes } from '../core/codes';
import { formatProblem, MeshError } from '../core/errors';
import type { DeclaredInitCall } from './init-container-calls';
import { NATIVE_SIDECAR_ANNOTATION } from './init-container-calls';
import type { IRemoteService } from './interfaces';

/** The prefix of the injector's annotations (hashicorp/vault-k8s agent-inject/agent/annotations.go). */
const PREFIX = 'vault.hashicorp.com/';

/** The init container the injector adds, which logs in and renders the secrets before the application starts. */
export const VAULT_AGENT_INIT = 'vault-agent-init';

/** A secret the agent renders into the pod's `/vault/secrets/<name>`. */
export interface VaultSecret {
  /**
   * The file's name under `/vault/secrets`, and the suffix of its annotations (`agent-inject-secret-<name>`): letters, digits,
   * `-`, `_` and `.`, starting and ending with a letter or digit, short enough for an annotation's name (63 characters).
   */
  readonly name: string;
  /** Its path in Vault: `database/creds/orders`, `secret/data/orders/config` (a KV v2 secret's `data/` path). */
  readonly path: string;
  /**
   * A Consul Template that renders the file (`vault.hashicorp.com/agent-inject-template-<name>`).
   * @default - the agent's generic template: the secret's data as Go's map syntax
   */
  readonly template?: string;
}

/** Options for {@link VaultAgent.of}. */
export interface VaultAgentOptions {
  /** The Vault role the pod logs in as (Kubernetes auth, `vault.hashicorp.com/role`), which binds its ServiceAccount. */
  readonly role: string;
  /** The secrets the agent renders, each into `/vault/secrets/<name>`: at least one. */
  readonly secrets: VaultSecret[];
  /**
   * Vault's Service, as the team that runs it writes it: a `RemoteService` (`sidecar: false` when Vault runs without a sidecar,
   * as its Helm chart's pods usually do). Its address is the injector's `vault.hashicorp.com/service`
   * (`http://<name>.<namespace>.svc:<port>`, `https://` on an `https` or `tls` port), and the agent's connections to it are the
   * pod's call of it.
   */
  readonly server: IRemoteService;
  /**
   * The port of `server` the agent calls.
   * @default - its first port
   */
  readonly port?: number;
  /**
   * The mount path of the Kubernetes auth method (`vault.hashicorp.com/auth-path`).
   * @default - the injector's, `auth/kubernetes`
   */
  readonly authPath?: string;
}

/** An annotation name's name part (k8s.io apimachinery IsQualifiedName): at most 63 characters. */
const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * Vault's agent injector for a workload's pods (`vault` on a MeshService, MeshCronJob or MeshJob): the annotations it reads,
 * checked as it is made (MESH248).
 *
 * @example
 * const vault = new RemoteService(chart, 'vault', { namespace: 'vault', ports: [{ port: 8200, protocol: 'http' }], sidecar: false });
 * new MeshService(chart, 'orders', {
 *   image: 'registry.example.com/orders:1.4.0',
 *   vault: VaultAgent.of({ role: 'orders', server: vault, secrets: [{ name: 'db', path: 'database/creds/orders' }] }),
 * });
 */
export class VaultAgent {
  /** Checks the options (MESH248) and works out the port and address. */
  public static of(options: VaultAgentOptions): VaultAgent {
    const bad = (field: string, message: string): never => {
      throw new MeshError(Codes.INVALID_VAULT_AGENT, `VaultAgent ${field}: ${message}`);
    };
    if (typeof options.role !== 'string' || options.role.trim() === '' || /\s/.test(options.role)) {
      bad('role', `must be the name of a Vault role, got '${String(options.role)}'`);
    }
    if (!Array.isArray(options.secrets) || options.secrets.length === 0) bad('secrets', 'needs at least one secret to render');
    const seen = new Set<string>();
    options.secrets.forEach((s, i) => {
      const longest = `agent-inject-${s.template !== undefined ? 'template' : 'secret'}-${s.name}`;
      if (typeof s.name !== 'string' || !NAME_PART.test(s.name) || longest.length > 63) {
        bad(`secrets[${i}].name`, `'${String(s.name)}' must be letters, digits, '-', '_' or '.', starting and ending with a letter or `
          + `digit, and short enough for the annotation ${PREFIX}${longest} (its name at most 63 characters)`);
      }
      if (seen.has(s.name)) bad(`secrets[${i}].name`, `'${s.name}' is given twice: each secret is a file /vault/secrets/<name> of its own`);
      seen.add(s.name);
      if (typeof s.path !== 'string' || s.path.trim() === '' || /\s/.test(s.path)) {
        bad(`secrets[${i}].path`, `must be a path in Vault (database/creds/orders), got '${String(s.path)}'`);
      }
      if (s.template !== undefined && s.template.trim() === '') bad(`secrets[${i}].template`, 'is empty: leave it out for the agent\'s own');
    });
    if (options.authPath !== undefined && (options.authPath.trim() === '' || /\s/.test(options.authPath))) {
      bad('authPath', `must be the auth method's mount path (auth/kubernetes), got '${options.authPath}'`);
    }
    const ports = options.server.ports;
    const port = options.port === undefined ? ports[0] : ports.find((p) => p.port === options.port);
    if (!port) {
      bad('port', options.port === undefined ? `${options.server.namespace}/${options.server.name} has no port`
        : `${options.server.namespace}/${options.server.name} has no port ${options.port} (${ports.map((p) => p.port).join(', ')})`);
    }
    return new VaultAgent(options, port!.port, ['https', 'tls'].includes(port!.protocol) ? 'https' : 'http');
  }

  /** The Vault role. */
  public readonly role: string;
  /** The secrets rendered. */
  public readonly secrets: readonly VaultSecret[];
  /** Vault's Service. */
  public readonly server: IRemoteService;
  /** The port of it the agent calls. */
  public readonly port: number;
  /** The auth method's mount path, if not the injector's default. */
  public readonly authPath?: string;
  /** Vault's address as the agent dials it: `http://vault.vault.svc:8200`. */
  public readonly address: string;

  private constructor(o: VaultAgentOptions, port: number, scheme: string) {
    this.role = o.role;
    this.secrets = o.secrets.map((s) => ({ ...s }));
    this.server = o.server;
    this.port = port;
    this.authPath = o.authPath;
    this.address = `${scheme}://${o.server.name}.${o.server.namespace}.svc:${port}`;
  }

  /**
   * The pod annotations the injector reads. `prePopulateOnly` (a batch job's pods): the init container alone, no `vault-agent`
   * container, which would keep running after the job's container exits and the pod would never complete
   * (`vault.hashicorp.com/agent-pre-populate-only`).
   */
  public annotations(prePopulateOnly = false): Record<string, string> {
    const out: Record<string, string> = {
      [`${PREFIX}agent-inject`]: 'true',
      [`${PREFIX}role`]: this.role,
      [`${PREFIX}service`]: this.address,
    };
    if (this.authPath !== undefined) out[`${PREFIX}auth-path`] = this.authPath;
    if (prePopulateOnly) out[`${PREFIX}agent-pre-populate-only`] = 'true';
    for (const s of this.secrets) {
      out[`${PREFIX}agent-inject-secret-${s.name}`] = s.path;
      if (s.template !== undefined) out[`${PREFIX}agent-inject-template-${s.name}`] = s.template;
    }
    return out;
  }
}

/** The agent's init container's call of Vault, as an init container's declared call (MESH242 where the proxy is not native). */
export function vaultInitCall(vault: VaultAgent): DeclaredInitCall {
  return { container: VAULT_AGENT_INIT, field: 'vault', call: { target: vault.server, port: vault.port } };
}

/**
 * The pod options with the agent's annotations: the native-sidecar annotation on a meshed pod (the user's own kept, which MESH242
 * reports when it says "false"), the user's, and the injector's; the options as they are without `vault`.
 */
export function podWithVault<P extends { readonly podAnnotations?: Record<string, string> }>(
  pod: P, vault: VaultAgent | undefined, meshed: boolean, prePopulateOnly = false,
): P {
  if (!vault) return pod;
  const native = meshed ? { [NATIVE_SIDECAR_ANNOTATION]: 'true' } : {};
  return { ...pod, podAnnotations: { ...native, ...pod.podAnnotations, ...vault.annotations(prePopulateOnly) } };
}

/** MESH248: injector annotations written by hand beside `vault`, which would override or add to the typed ones. */
export function vaultAnnotationProblems(vault: VaultAgent | undefined, annotations: Readonly<Record<string, string>> | undefined): string[] {
  if (!vault) return [];
  const own = Object.keys(annotations ?? {}).filter((k) => k.startsWith(PREFIX));
  return own.length === 0 ? [] : [formatProblem(Codes.INVALID_VAULT_AGENT, `podAnnotations: ${own.join(', ')} beside vault, which writes `
    + "the injector's annotations: give the option its settings instead, or leave vault out and write them all by hand")];
}
