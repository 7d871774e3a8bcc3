/**
 * Containers whose settings contradict what their process must do, as the manifests show
 * them, written once for the library's pods and hand-written ones alike.
 */
import { Codes } from '../../core/codes';
import { parseImageReference } from '../../core/image-reference';
import { officialImage } from '../../core/official-images';
import { Finding, finding, podTemplate, podTemplateField } from '../finding';
import { AnalysisCheck } from './check';
import { podContainers } from './images';
import { AnalysisView } from './view';

/** What a process needs to change its user and groups: setuid(2) CAP_SETUID, setgid(2) and setgroups(2) CAP_SETGID. */
const DROP_CAPABILITIES = ['SETUID', 'SETGID'];

/**
 * MESH215 (warning): a container that runs as root with every capability dropped and neither
 * SETUID nor SETGID added. Root is there for an entrypoint that chowns and then drops to the
 * image's user (gosu, su-exec, setpriv: docker-library's postgres, redis, mongo, rabbitmq,
 * mysql); with ALL dropped its setuid and setgroups fail with EPERM and the container
 * crash-loops, and a process that stays root gains nothing from it. Run it as the image's
 * user, or give the entrypoint what it uses (HardeningException.rootEntrypoint).
 * @see https://man7.org/linux/man-pages/man2/setuid.2.html (EPERM without CAP_SETUID)
 * @see https://github.com/docker-library/postgres/blob/master/17/bookworm/docker-entrypoint.sh (`exec gosu postgres`)
 */
export const rootWithoutSetuid: AnalysisCheck = {
  code: Codes.ROOT_WITHOUT_SETUID,
  title: 'a container that runs as root with every capability dropped and none to change its user',
  run(index: AnalysisView) {
    const out: Finding[] = [];
    for (const w of index.workloads) {
      const spec = podTemplate(w.manifest)?.spec;
      if (!spec || typeof spec !== 'object') continue;
      const at = podTemplateField(w.manifest);
      const podUser = spec.securityContext?.runAsUser;
      for (const list of ['initContainers', 'containers'] as const) {
        const containers: unknown = spec[list];
        if (!Array.isArray(containers)) continue;
        containers.forEach((c: any, i: number) => {
          const ctx = c?.securityContext ?? {};
          if ((ctx.runAsUser ?? podUser) !== 0) return;
          const upper = (v: unknown) => (Array.isArray(v) ? v.map((x) => String(x).toUpperCase().replace(/^CAP_/, '')) : []);
          if (!upper(ctx.capabilities?.drop).includes('ALL')) return;
          if (upper(ctx.capabilities?.add).some((x) => DROP_CAPABILITIES.includes(x))) return;
          out.push(finding(Codes.ROOT_WITHOUT_SETUID, w.manifest, `${at ? `${at}.` : ''}spec.${list}[${i}].securityContext`,
            `container '${String(c?.name)}' runs as root with every capability dropped and neither SETUID nor SETGID added: an entrypoint that `
            + 'chowns and drops to its user (gosu, su-exec, setpriv) fails; run it as the image\'s user, or add what the entrypoint uses '
            + '(HardeningException.rootEntrypoint)', 'warning'));
        });
      }
    }
    return out;
  },
};

/** How to run `image` as its own user. */
const asItsUser = (i: { uid: number; gid: number }) => `podSecurity: { runAsUser: ${i.uid}, runAsGroup: ${i.gid}, fsGroup: ${i.gid} }`;

/**
 * MESH260: a container under runAsNonRoot (its own or its pod's) with no runAsUser, whose image the checks know starts as root
 * (its Dockerfile has no `USER`: docker-library's images, nginx) or as a user by name (`USER emqx`, `USER appuser`). The
 * kubelet then takes the image's user: none is root ("container has runAsNonRoot and image will run as root"), and a name it
 * cannot check ("image has non-numeric user (emqx), cannot verify user is non-root"); either way the container is not created
 * (CreateContainerConfigError) and the pod never starts. A numeric `USER` (bitnami's 1001) passes. Set runAsUser.
 * @see https://github.com/kubernetes/kubernetes/blob/master/pkg/kubelet/kuberuntime/security_context_others.go (verifyRunAsNonRoot)
 * @see https://github.com/kubernetes/kubernetes/blob/master/pkg/kubelet/kuberuntime/helpers.go (getImageUser: "If non of them is set, treat it as root")
 */
export const imageUserUnverifiable: AnalysisCheck = {
  code: Codes.IMAGE_USER_UNVERIFIABLE,
  title: 'a container under runAsNonRoot with no runAsUser whose image starts as root or as a user by name',
  run(index: AnalysisView) {
    const out: Finding[] = [];
    for (const c of podContainers(index)) {
      const own = c.container.securityContext ?? {};
      const pod = c.spec.securityContext ?? {};
      if ((own.runAsNonRoot ?? pod.runAsNonRoot) !== true || (own.runAsUser ?? pod.runAsUser) !== undefined) continue;
      if (typeof c.container.image !== 'string') continue;
      const parsed = parseImageReference(c.container.image);
      const image = parsed.error === undefined ? officialImage(parsed.reference) : undefined;
      if (!image || (image.startsAsUser && (image.imageUser === undefined || /^\d+$/.test(image.imageUser)))) continue;
      const podSpec = c.field.replace(/\.(init)?[cC]ontainers\[\d+\]$/, '');
      const field = `${own.runAsNonRoot !== undefined ? c.field : podSpec}.securityContext.runAsNonRoot`;
      const why = image.startsAsUser
        ? `its USER is a name, ${image.imageUser} (${image.source}), which the kubelet cannot verify is not root`
        : `it has no USER and starts as root (${image.source}), which runAsNonRoot forbids`;
      out.push(finding(Codes.IMAGE_USER_UNVERIFIABLE, c.manifest, field,
        `container '${String(c.container.name)}' runs ${c.container.image} under runAsNonRoot with no runAsUser: ${why}, so the kubelet `
        + `refuses to create it (CreateContainerConfigError); set runAsUser: ${image.uid} (${image.user}), as ${asItsUser(image)}`));
    }
    return out;
  },
};

/** The checks of containers' privileges. */
export const PRIVILEGE_CHECKS: readonly AnalysisCheck[] = [rootWithoutSetuid, imageUserUnverifiable];
