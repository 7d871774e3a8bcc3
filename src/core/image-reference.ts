/**
 * Container image references as the kubelet reads them: the grammar of
 * github.com/distribution/reference, normalized as `ParseNormalizedNamed` does (the kubelet's
 * `applyDefaultImageTag`, pkg/kubelet/images/image_manager.go, parses every container's image
 * with it through pkg/util/parsers `ParseImageName`, and reports a failure as InvalidImageName).
 *
 * Ported from distribution/reference regexp.go (the constants `alphanumeric`, `separator`,
 * `domainNameComponent`, `optionalPort`, `tag`, `digestPat`, `ipv6address`, `domainName`, `host`,
 * `domainAndPort`, `pathComponent`, `remoteName`, `namePat`, `referencePat`), reference.go (`Parse`,
 * `RepositoryNameTotalLengthMax`) and normalize.go (`ParseNormalizedNamed`, `splitDockerDomain`),
 * with the digest checked as opencontainers/go-digest `Digest.Validate` does (algorithm.go: sha256,
 * sha384 and sha512, lower-case hex of 64, 96 and 128 digits).
 * @see https://github.com/distribution/reference/blob/main/reference.go
 * @see https://github.com/distribution/reference/blob/main/regexp.go
 * @see https://github.com/distribution/reference/blob/main/normalize.go
 */

const ALPHANUMERIC = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const DOMAIN_NAME_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const OPTIONAL_PORT = '(?::[0-9]+)?';
const TAG = '[\\w][\\w.-]{0,127}';
// Go's `[[:xdigit:]]`.
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';
const IPV6_ADDRESS = '\\[(?:[a-fA-F0-9:]+)\\]';
const DOMAIN_NAME = `${DOMAIN_NAME_COMPONENT}(?:\\.${DOMAIN_NAME_COMPONENT})*`;
const HOST = `(?:${DOMAIN_NAME}|${IPV6_ADDRESS})`;
const DOMAIN_AND_PORT = HOST + OPTIONAL_PORT;
const PATH_COMPONENT = `${ALPHANUMERIC}(?:${SEPARATOR}${ALPHANUMERIC})*`;
const REMOTE_NAME = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const NAME = `(?:${DOMAIN_AND_PORT}/)?${REMOTE_NAME}`;

const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const ANCHORED_NAME = new RegExp(`^(?:(${DOMAIN_AND_PORT})/)?(${REMOTE_NAME})$`);
const ANCHORED_IDENTIFIER = /^([a-f0-9]{64})$/;

/** reference.go RepositoryNameTotalLengthMax. */
const REPOSITORY_NAME_TOTAL_LENGTH_MAX = 255;

/** go-digest algorithm.go anchoredEncodedRegexps: the algorithms it supports and their encodings. */
const DIGEST_ENCODINGS: Readonly<Record<string, RegExp>> = {
  sha256: /^[a-f0-9]{64}$/,
  sha384: /^[a-f0-9]{96}$/,
  sha512: /^[a-f0-9]{128}$/,
};

/** An image reference, normalized: `postgres:16` is docker.io, `library/postgres`, tag 16. */
export interface ImageReference {
  /** `docker.io`, `registry.example.com:5000`. */
  readonly domain: string;
  /** `library/postgres`, `team/web`. */
  readonly path: string;
  /** The tag, if one is given. */
  readonly tag?: string;
  /** The digest, if one is given. */
  readonly digest?: string;
}

/** What {@link parseImageReference} gives: the reference, or why the kubelet refuses it. */
export type ImageReferenceResult = { readonly reference: ImageReference; readonly error?: undefined } | { readonly error: string };

/** go-digest Digest.Validate. */
function digestProblem(digest: string): string | undefined {
  const i = digest.indexOf(':');
  if (i <= 0 || i + 1 === digest.length) return 'invalid digest format';
  const encoding = DIGEST_ENCODINGS[digest.slice(0, i)];
  if (!encoding) return 'unsupported digest algorithm';
  return encoding.test(digest.slice(i + 1)) ? undefined : 'invalid checksum digest format';
}

/** normalize.go splitDockerDomain: the domain and the remote name of a familiar or canonical name. */
function splitDockerDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  if (slash < 0) return ['docker.io', `library/${name}`];
  const maybeDomain = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  let domain: string;
  let remote: string;
  if (maybeDomain === 'index.docker.io') {
    [domain, remote] = ['docker.io', rest];
  } else if (maybeDomain === 'localhost' || /[.:]/.test(maybeDomain) || maybeDomain.toLowerCase() !== maybeDomain) {
    [domain, remote] = [maybeDomain, rest];
  } else {
    [domain, remote] = ['docker.io', name];
  }
  if (domain === 'docker.io' && !remote.includes('/')) remote = `library/${remote}`;
  return [domain, remote];
}

/** reference.go Parse, over a name normalize.go has given a domain. */
function parse(s: string): ImageReferenceResult {
  if (s === '') return { error: 'repository name must have at least one component' };
  const m = REFERENCE.exec(s);
  if (!m) {
    const lower = s.toLowerCase();
    if (lower !== s && REFERENCE.test(lower)) return { error: 'repository name must be lowercase' };
    return { error: 'invalid reference format' };
  }
  const name = ANCHORED_NAME.exec(m[1]);
  const domain = name ? name[1] ?? '' : '';
  const path = name ? name[2] : m[1];
  if (path.length > REPOSITORY_NAME_TOTAL_LENGTH_MAX) {
    return { error: `repository name must not be more than ${REPOSITORY_NAME_TOTAL_LENGTH_MAX} characters` };
  }
  const digest = m[3];
  const bad = digest === undefined ? undefined : digestProblem(digest);
  if (bad) return { error: bad };
  return { reference: { domain, path, ...(m[2] !== undefined ? { tag: m[2] } : {}), ...(digest !== undefined ? { digest } : {}) } };
}

/**
 * The image reference `image` names, normalized as the kubelet reads it (normalize.go
 * ParseNormalizedNamed), or why it refuses it: an empty string, whitespace, an upper-case
 * repository path, a bad tag or digest.
 */
export function parseImageReference(image: string): ImageReferenceResult {
  if (image === '') return { error: 'an image is required (repository name must have at least one component)' };
  if (image.trim() !== image) return { error: 'must not have leading or trailing whitespace' };
  if (ANCHORED_IDENTIFIER.test(image)) return { error: 'cannot specify 64-byte hexadecimal strings' };
  const [domain, remainder] = splitDockerDomain(image);
  const colon = remainder.indexOf(':');
  const remote = colon < 0 ? remainder : remainder.slice(0, colon);
  if (remote.toLowerCase() !== remote) return { error: `repository name (${remote}) must be lowercase` };
  return parse(`${domain}/${remainder}`);
}
