/**
 * Checks of the images pods run, as the manifests show them, written once for the library's
 * pods and hand-written ones alike.
 */
import { Codes } from '../../core/codes';
import { parseImageReference } from '../../core/image-reference';
import { Finding, finding, Manifest, podTemplate, podTemplateField } from '../finding';
import { AnalysisCheck } from './check';
import { AnalysisView } from './view';

/** The container lists of a pod spec, in the order the kubelet starts them. */
const CONTAINER_LISTS = ['initContainers', 'containers'] as const;

/** One container of a workload's pod template, with the field path that names it. */
export interface PodContainer {
  readonly manifest: Manifest;
  /** The pod spec. */
  readonly spec: Record<string, any>;
  readonly container: Record<string, any>;
  /** `spec.template.spec.containers[0]`. */
  readonly field: string;
}

/** Every container of every pod template of `index`'s own manifests (none of the workloads it assumes). */
export function podContainers(index: AnalysisView): PodContainer[] {
  const out: PodContainer[] = [];
  for (const w of index.model.workloads) {
    const spec = podTemplate(w.manifest)?.spec;
    if (!spec || typeof spec !== 'object') continue;
    const at = podTemplateField(w.manifest);
    for (const list of CONTAINER_LISTS) {
      const containers: unknown = spec[list];
      if (!Array.isArray(containers)) continue;
      containers.forEach((c: any, i: number) => {
        if (c && typeof c === 'object') out.push({ manifest: w.manifest, spec, container: c, field: `${at ? `${at}.` : ''}spec.${list}[${i}]` });
      });
    }
  }
  return out;
}

/**
 * MESH050: a container image the kubelet cannot parse. The API server checks an image's
 * whitespace for Pods only (pkg/apis/core/validation/validation.go validateContainersOnlyForPod),
 * so a Deployment, StatefulSet or Job with `'web:1 '`, `''` or `Registry.example.com/Web:1` is
 * admitted and its pods never start: the kubelet parses every image with
 * distribution/reference's ParseNormalizedNamed (pkg/kubelet/images/image_manager.go
 * applyDefaultImageTag) and fails the container with InvalidImageName.
 * @see https://github.com/distribution/reference/blob/main/reference.go (the grammar)
 */
export const invalidImage: AnalysisCheck = {
  code: Codes.INVALID_IMAGE,
  title: 'a container image the kubelet cannot parse (InvalidImageName)',
  run(index: AnalysisView) {
    const out: Finding[] = [];
    for (const { manifest, container, field } of podContainers(index)) {
      const image: unknown = container.image;
      // A missing or non-string image is the schema's to report.
      if (typeof image !== 'string') continue;
      const parsed = parseImageReference(image);
      if (parsed.error === undefined) continue;
      out.push(finding(Codes.INVALID_IMAGE, manifest, `${field}.image`,
        `container '${String(container.name)}': image ${JSON.stringify(image)} is not an image reference: ${parsed.error}; `
        + 'the kubelet fails the container with InvalidImageName'));
    }
    return out;
  },
};

/** The checks of the images pods run. */
export const IMAGE_CHECKS: readonly AnalysisCheck[] = [invalidImage];
