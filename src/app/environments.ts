/**
 * What differs between the environments of the EC site, as data in one place.
 */
import { Codes, MeshError } from '../index';

/** The name of an environment. */
export type EnvironmentName = 'dev' | 'staging' | 'production';

/** The settings of one environment. */
export interface Environment {
  /** The environment's name, also its folder in dist/. */
  readonly name: EnvironmentName;
  /** Whether the environment serves real users (guards such as fault injection's read this, not the name). */
  readonly production: boolean;
  /** The namespace the EC site runs in. */
  readonly namespace: string;
  /** Replicas of every service, unless `replicasFor` names it. */
  readonly replicas: number;
  /** Replicas of particular services. */
  readonly replicasFor: Readonly<Record<string, number>>;
}

/** dev, staging and production, in that order. */
export const ENVIRONMENTS: readonly Environment[] = [
  { name: 'dev', production: false, namespace: 'dev', replicas: 1, replicasFor: {} },
  { name: 'staging', production: false, namespace: 'staging', replicas: 2, replicasFor: {} },
  // Production runs in `production`, as seed 000 requires; search peaks at 1,000 RPS.
  { name: 'production', production: true, namespace: 'production', replicas: 3, replicasFor: { 'search-service': 6, 'api-gateway': 4 } },
];

/** The environment called `name`. */
export function environment(name: EnvironmentName): Environment {
  const env = ENVIRONMENTS.find((e) => e.name === name);
  if (!env) throw new MeshError(Codes.INTERNAL_INVARIANT, `unknown environment '${name}'`);
  return env;
}
