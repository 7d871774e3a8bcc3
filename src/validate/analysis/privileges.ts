/**
 * Containers whose settings contradict what their process must do, as the manifests show
 * them, written once for the library's pods and hand-written ones alike.
 */
import { Codes } from '../../core/codes';
import { Finding, finding, podTemplate, podTemplateField } from '../finding';
import { AnalysisCheck } from './check';
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

/** The checks of containers' privileges. */
export const PRIVILEGE_CHECKS: readonly AnalysisCheck[] = [rootWithoutSetuid];
