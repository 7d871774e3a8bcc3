import { Construct, IConstruct } from 'constructs';
import * as YAML from 'yaml';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { Labels } from '../../core/labels';
import { Principal } from '../../core/principal';
import { Retries } from '../../core/retries';
import { MeshChart } from '../../graph/mesh-chart';
import { MeshService } from '../../graph/mesh-service';
import type { FlowWorkload, IntendedFlow } from '../../core/flow';
import { ServiceSecurity } from '../../graph/security/service-security';
import { EnvVarValue, HealthProbe, WorkloadVolume } from '../../workload/pod-options';
import { mebibytesOf } from '../../workload/quantities';
import { addConfigMap, ContainerResources, NetworkPeer, withResourceDefaults } from '../../workload/workload';
import { addProblems } from '../../private/construct-problems';

/** The method Envoy's ratelimit filter calls (envoy.service.ratelimit.v3.RateLimitService). */
export const SHOULD_RATE_LIMIT = '/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit';

/** Props for {@link RateLimiter}. */
export interface RateLimiterProps {
  /**
   * The service's name: its Deployment, Service and ServiceAccount; Redis is `<name>-redis`,
   * the configuration ConfigMap `<name>-config`.
   * @default 'ratelimit'
   */
  readonly name?: string;
  /**
   * The envoyproxy/ratelimit image. The project publishes images tagged by commit (its Makefile's
   * `VERSION ?= $(GIT_REF)`, the short hash); pin the one you have vetted, by digest where your
   * registry allows.
   * @default RateLimiter.DEFAULT_IMAGE
   * @see https://github.com/envoyproxy/ratelimit/blob/main/Dockerfile
   */
  readonly image?: string;
  /**
   * The Redis image (docker-library/redis).
   * @default RateLimiter.DEFAULT_REDIS_IMAGE
   * @see https://github.com/docker-library/redis
   */
  readonly redisImage?: string;
  /**
   * Replicas of the rate-limit service (Redis runs one: the counters are a cache).
   * @default 2
   */
  readonly replicas?: number;
  /**
   * The rate-limit service's container CPU and memory.
   * @default - the library's defaults (100m/500m CPU, 128Mi/512Mi memory)
   */
  readonly resources?: ContainerResources;
  /**
   * Redis's container CPU and memory; Redis evicts counters past three quarters of the memory limit.
   * @default - the library's defaults (100m/500m CPU, 128Mi/512Mi memory)
   */
  readonly redisResources?: ContainerResources;
}

/**
 * A gateway that asks a rate-limit service ({@link IRateLimiter.admitGateway}): its pods as a flow's
 * source and a NetworkPolicy peer, its principal.
 */
export interface RateLimiterGateway {
  /** The gateway's pods, as the flows know them (the source of its `ShouldRateLimit` calls). */
  readonly workload: FlowWorkload;
  /** Its pods, as a NetworkPolicy peer. */
  readonly peer: NetworkPeer;
  /** Its identity, which the service's AuthorizationPolicy admits. */
  readonly principal: Principal;
}

/**
 * A rate-limit service a {@link GlobalRateLimit} configures and admits its gateway to: the one the
 * library deploys ({@link RateLimiter}), from this copy of the library or another.
 */
export interface IRateLimiter extends IConstruct {
  /** Its fully qualified host, which gateways ask. */
  readonly host: string;
  /** Its gRPC port. */
  readonly port: number;
  /**
   * Adds a domain's configuration (envoyproxy/ratelimit `config.yaml` form), stated by `owner`.
   * The same domain asked twice must be asked alike.
   */
  addDomain(owner: IConstruct, domain: string, config: Record<string, unknown>): void;
  /** Admits `gateway`, which asks the service, stated by `owner`. */
  admitGateway(owner: IConstruct, gateway: RateLimiterGateway): void;
}

/** What one global rate limit asked of the service. */
interface DomainClaim {
  readonly owner: string;
  readonly config: string;
}

/**
 * Envoy's global rate-limit service, deployed by the library: envoyproxy/ratelimit and the
 * Redis that holds its counters, two {@link MeshService}s of the chart's namespace, hardened
 * like every other pod and meshed (STRICT mTLS, deny-by-default policies, flows proved at synth).
 *
 * - **ratelimit** answers Envoy's `ShouldRateLimit` over gRPC on 8081 (its HTTP 8080 and debug
 *   6070 are not exposed); its health is gRPC's `grpc.health.v1` for service `ratelimit`, which
 *   turns serving once Redis answers and (with `HEALTHY_WITH_AT_LEAST_ONE_CONFIG_LOADED`) a
 *   domain is loaded: the readiness probe. It reads one file per domain from the ConfigMap
 *   `<name>-config`, mounted at `RUNTIME_ROOT/RUNTIME_SUBDIRECTORY/RUNTIME_APPDIRECTORY`
 *   (`/data/ratelimit/config`), and reloads it when the ConfigMap changes (`RUNTIME_WATCH_ROOT=false`
 *   watches the directory itself, `RUNTIME_IGNOREDOTFILES=true` skips the ConfigMap's `..data`
 *   links). Its image is distroless `nonroot`; it runs as the library's user and writes nothing.
 * - **Redis** (`<name>-redis`, TCP 6379) keeps counters only: no snapshot (`--save ''`), no AOF,
 *   an LRU bound under the memory limit. The docker-library image's entrypoint drops from root
 *   to the `redis` user with gosu only when it starts as root; started as the library's
 *   user it runs `redis-server` directly, and its working directory `/data` is an emptyDir.
 *
 * Each {@link GlobalRateLimit} given this service adds its domain's configuration and admits the
 * gateway it configures (`ShouldRateLimit` from the gateway's principal, NetworkPolicy from its
 * pods), and that call is an intended flow of this chart; ratelimit → Redis is a declared call.
 *
 * @see https://github.com/envoyproxy/ratelimit#configuration
 * @see https://github.com/envoyproxy/ratelimit/blob/main/src/settings/settings.go
 * @see https://github.com/envoyproxy/ratelimit/blob/main/src/server/health.go
 * @see https://github.com/docker-library/redis/blob/master/docker-entrypoint.sh
 */
export class RateLimiter extends Construct implements IRateLimiter {
  /** envoyproxy/ratelimit at a commit of its main branch (f2fb1577, July 2026), the tag its CI pushes. */
  public static readonly DEFAULT_IMAGE = 'docker.io/envoyproxy/ratelimit:f2fb1577';
  /** Redis 7.2 on Alpine 3.20, as docker-library/redis tags it. */
  public static readonly DEFAULT_REDIS_IMAGE = 'docker.io/library/redis:7.2.5-alpine3.20';
  /** The gRPC port of envoyproxy/ratelimit (`GRPC_PORT`). */
  public static readonly GRPC_PORT = 8081;

  /** The service's name. */
  public readonly name: string;
  /** Its namespace, the chart's. */
  public readonly namespace: string;
  /** Its fully qualified host, which gateways ask. */
  public readonly host: string;
  /** Its gRPC port. */
  public readonly port: number;
  /** The rate-limit service's own MeshService. */
  public readonly service: MeshService;
  /** Redis's MeshService. */
  public readonly redis: MeshService;
  /** The ConfigMap of domain files it reads. */
  public readonly configMapName: string;

  private readonly chart: MeshChart;
  private readonly config: { addData(key: string, value: string): void };
  private readonly domains = new Map<string, DomainClaim[]>();
  private readonly gateways = new Set<string>();

  public constructor(scope: Construct, id: string, props: RateLimiterProps = {}) {
    super(scope, id);
    this.chart = MeshChart.of(this);
    this.name = props.name ?? 'ratelimit';
    this.namespace = this.chart.namespace;
    this.port = RateLimiter.GRPC_PORT;
    this.host = `${this.name}.${this.namespace}.svc.cluster.local`;
    this.configMapName = `${this.name}-config`;
    this.config = addConfigMap(this, 'Config', {
      name: this.configMapName, namespace: this.namespace, labels: { ...this.chart.commonLabels(), [Labels.NAME]: this.name }, data: {},
    });
    const redisResources = withResourceDefaults(props.redisResources);
    this.redis = new MeshService(this, `${this.name}-redis`, {
      image: props.redisImage ?? RateLimiter.DEFAULT_REDIS_IMAGE,
      replicas: 1,
      ports: [{ port: 6379, protocol: 'tcp', name: 'tcp-redis' }],
      // Counters only: no RDB snapshot, no append-only file, least recently used keys evicted first.
      // https://redis.io/docs/latest/operate/oss_and_stack/management/config-file/ (save, appendonly, maxmemory-policy)
      args: [
        '--save', '', '--appendonly', 'no',
        '--maxmemory', `${Math.floor(mebibytesOf(redisResources.memoryLimit) * 0.75)}mb`, '--maxmemory-policy', 'allkeys-lru',
      ],
      volumes: [WorkloadVolume.emptyDir('data')],
      mounts: [{ volume: 'data', path: '/data' }],
      resources: redisResources,
    });
    this.service = new MeshService(this, this.name, {
      image: props.image ?? RateLimiter.DEFAULT_IMAGE,
      replicas: props.replicas ?? 2,
      ports: [{ port: this.port, protocol: 'grpc' }],
      // A ShouldRateLimit counts the request: a retried one would count it twice. (The gateway's filter
      // calls the cluster itself, with its own timeout; the route is for any other caller.)
      retries: Retries.none(),
      env: ratelimitEnv(),
      volumes: [WorkloadVolume.configMap('config', this.configMapName)],
      mounts: [{ volume: 'config', path: '/data/ratelimit/config' }],
      // Ready once Redis answers and a domain is loaded (service `ratelimit`); alive while the process
      // serves gRPC at all (the overall status, which grpc-go's health server keeps serving).
      probes: { readiness: HealthProbe.grpc({ service: 'ratelimit' }), liveness: HealthProbe.grpc() },
      resources: props.resources,
    });
    this.service.calls(this.redis, { addressEnv: { name: 'REDIS_URL', form: 'host-port' } });
    addProblems(this, () => this.problems());
  }

  /**
   * Adds a domain's configuration (envoyproxy/ratelimit `config.yaml` form) as the file
   * `<domain>.yaml`. The same domain asked twice must be asked alike (MESH651): one service
   * answers the one gateway for every environment.
   */
  public addDomain(owner: IConstruct, domain: string, config: Record<string, unknown>): void {
    const text = YAML.stringify(config);
    const claims = this.domains.get(domain);
    if (claims) {
      claims.push({ owner: owner.node.path, config: text });
      return;
    }
    this.domains.set(domain, [{ owner: owner.node.path, config: text }]);
    this.config.addData(`${domain}.yaml`, text);
  }

  /** The domains configured, in order. */
  public get domainNames(): string[] {
    return [...this.domains.keys()];
  }

  /**
   * Admits a gateway that asks the service: `ShouldRateLimit` (gRPC POST) from its principal on
   * 8081 (AuthorizationPolicy), from its pods (NetworkPolicy), and the call as an intended flow of
   * this chart, stated by `owner`. A gateway admitted twice is admitted once.
   */
  public admitGateway(owner: IConstruct, gateway: RateLimiterGateway): void {
    const key = `${gateway.principal}\u0000${JSON.stringify(gateway.peer)}`;
    if (this.gateways.has(key)) return;
    this.gateways.add(key);
    ServiceSecurity.of(this.service).admitGateway({
      peer: gateway.peer, principal: gateway.principal, methods: ['POST'], paths: [SHOULD_RATE_LIMIT], ports: [{ port: this.port, protocol: 'TCP' }],
    });
    const flow: IntendedFlow = {
      source: { platform: gateway.workload }, host: this.host, port: this.port, protocol: 'GRPC', method: 'POST', path: SHOULD_RATE_LIMIT,
      expect: 'allow', constructPath: owner.node.path, description: `the ingress gateway asks the rate-limit service ${this.host}:${this.port}`,
    };
    this.chart.addIntendedFlows(() => [flow]);
  }

  private problems(): string[] {
    const out: string[] = [];
    if (this.domains.size === 0) {
      out.push(formatProblem(Codes.RATE_LIMIT_SERVICE_MISUSED,
        `no GlobalRateLimit uses ${this.name}: it would load no domain and never turn ready; `
        + 'give it to one (GlobalRateLimitProps.service) or remove it'));
    }
    for (const [domain, claims] of this.domains) {
      const differ = claims.filter((c) => c.config !== claims[0].config);
      if (differ.length > 0) {
        out.push(formatProblem(Codes.RATE_LIMIT_DOMAIN_CONFLICT,
          `domain ${domain}: ${claims[0].owner} and ${differ[0].owner} give it different limits, but one file serves every gateway that asks; `
          + 'use one domain each or the same limits'));
      }
    }
    return out;
  }
}

/**
 * envoyproxy/ratelimit's settings (src/settings/settings.go): its configuration read from files
 * under /data/ratelimit/config and reloaded when the ConfigMap changes, Redis over TCP, no
 * statsd sink (its default `USE_STATSD=true` sends to localhost:8125, which is not there).
 */
function ratelimitEnv(): Record<string, EnvVarValue> {
  return {
    RUNTIME_ROOT: EnvVarValue.of('/data'),
    RUNTIME_SUBDIRECTORY: EnvVarValue.of('ratelimit'),
    RUNTIME_APPDIRECTORY: EnvVarValue.of('config'),
    RUNTIME_WATCH_ROOT: EnvVarValue.of('false'),
    RUNTIME_IGNOREDOTFILES: EnvVarValue.of('true'),
    HEALTHY_WITH_AT_LEAST_ONE_CONFIG_LOADED: EnvVarValue.of('true'),
    REDIS_SOCKET_TYPE: EnvVarValue.of('tcp'),
    USE_STATSD: EnvVarValue.of('false'),
    LOG_FORMAT: EnvVarValue.of('json'),
  };
}
