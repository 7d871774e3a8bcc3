/**
 * A platform described in a YAML or JSON file (`--platform <file>` of both command-line
 * tools): the fields of {@link MeshPlatformProps}, with API-server endpoints as CIDR strings.
 * Every field is checked before the platform is built; an unknown or mistyped one is an
 * error naming the file and the field, so a typo cannot silently fall back to a default.
 */
import { Cidr } from '../core/cidr';
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';
import { MeshPlatform, MeshPlatformProps } from './platform';

/** How one field of the file is read. */
type FieldKind = 'string' | 'port' | 'ports' | 'labels' | 'cidrs' | 'tracing-protocol';

/** Every field of each component, typed so that a new prop cannot be forgotten here. */
type ComponentSchema<T> = { readonly [K in keyof Required<T>]: FieldKind };

const SCHEMA: { readonly [K in keyof Required<MeshPlatformProps>]: FieldKind | ComponentSchema<NonNullable<MeshPlatformProps[K]>> } = {
  trustDomain: 'string',
  istio: { release: 'string', rootNamespace: 'string', controlPlaneNamespace: 'string', revision: 'string', istiodLabels: 'labels', xdsPort: 'port', webhookPort: 'port' },
  ingressGateway: {
    name: 'string', namespace: 'string', podLabels: 'labels', selector: 'labels', serviceAccount: 'string',
    httpPort: 'port', httpsPort: 'port', httpServicePort: 'port', httpsServicePort: 'port',
  },
  prometheus: { namespace: 'string', podLabels: 'labels', serviceAccount: 'string', selectorLabels: 'labels', address: 'string' },
  tracing: { providerName: 'string', serviceName: 'string', namespace: 'string', protocol: 'tracing-protocol', port: 'port', podLabels: 'labels' },
  rateLimit: { name: 'string', namespace: 'string', grpcPort: 'port', podLabels: 'labels' },
  flagger: { namespace: 'string', prometheusAddress: 'string' },
  apiServer: { serviceName: 'string', namespace: 'string', endpoints: 'cidrs', ports: 'ports' },
};

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The platform a parsed file describes (`data`: the file's one document). Throws a
 * {@link MeshError} (MESH603) naming `file` and the field that is unknown or malformed.
 */
export function platformFromData(data: unknown, file: string): MeshPlatform {
  const bad = (field: string, what: string) => new MeshError(Codes.INVALID_FLOW, `${file}: ${field}: ${what}`);
  if (!isMap(data)) throw bad('(top)', 'not a map of platform components (trustDomain, istio, ingressGateway, prometheus, tracing, rateLimit, flagger, apiServer)');
  const read = (field: string, kind: FieldKind, v: unknown): unknown => {
    switch (kind) {
      case 'string':
        if (typeof v !== 'string' || v === '') throw bad(field, 'must be a non-empty string');
        return v;
      case 'port':
        if (typeof v !== 'number') throw bad(field, 'must be a port number');
        return v;
      case 'ports':
        if (!Array.isArray(v) || !v.every((p) => typeof p === 'number')) throw bad(field, 'must be a list of port numbers');
        return v;
      case 'labels':
        if (!isMap(v) || !Object.values(v).every((x) => typeof x === 'string')) throw bad(field, 'must be a map of label names to string values');
        return v;
      case 'cidrs':
        if (!Array.isArray(v) || !v.every((c) => typeof c === 'string')) throw bad(field, 'must be a list of CIDR ranges (10.0.0.1/32)');
        try {
          return v.map((c) => Cidr.of(c));
        } catch (e) {
          if (e instanceof MeshError) throw new MeshError(e.code, `${file}: ${field}: ${e.detail}`);
          throw e;
        }
      case 'tracing-protocol':
        if (v !== 'zipkin' && v !== 'opentelemetry') throw bad(field, "must be 'zipkin' or 'opentelemetry'");
        return v;
    }
  };
  const props: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const schema = (SCHEMA as Record<string, FieldKind | Record<string, FieldKind>>)[key];
    if (schema === undefined) throw bad(key, `unknown field (known: ${Object.keys(SCHEMA).join(', ')})`);
    if (typeof schema === 'string') {
      props[key] = read(key, schema, value);
      continue;
    }
    if (!isMap(value)) throw bad(key, 'must be a map');
    const component: Record<string, unknown> = {};
    for (const [field, v] of Object.entries(value)) {
      const kind = schema[field];
      if (kind === undefined) throw bad(`${key}.${field}`, `unknown field (known: ${Object.keys(schema).join(', ')})`);
      component[field] = read(`${key}.${field}`, kind, v);
    }
    props[key] = component;
  }
  try {
    return MeshPlatform.of(props as MeshPlatformProps);
  } catch (e) {
    // The platform's own checks (names, ports), under their own codes, with the file named.
    if (e instanceof MeshError) throw new MeshError(e.code, `${file}: ${e.detail}`);
    throw e;
  }
}
