import { Codes } from './codes';
import { MeshError } from './errors';
import { dns1123LabelProblem } from './names';

/**
 * The namespaces a service's Service, VirtualService and DestinationRule are visible
 * to. The factories only build lists istiod accepts: `*` alone, `.` alone, or `.`
 * with other namespaces, each once (validateExportTo in istio/istio's
 * pkg/config/validation).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService-export_to
 * @see https://istio.io/latest/docs/reference/config/annotations/#NetworkingExportTo
 */
export class ExportTo {
  /** Every namespace (`*`), Istio's default. */
  public static all(): ExportTo {
    return new ExportTo(['*']);
  }

  /** The service's own namespace only (`.`). */
  public static sameNamespace(): ExportTo {
    return new ExportTo(['.']);
  }

  /** The service's own namespace and these others, each a DNS-1123 label, each once. */
  public static namespaces(namespaces: string[]): ExportTo {
    const seen = new Set<string>();
    for (const ns of namespaces) {
      const p = dns1123LabelProblem(ns);
      if (p) throw new MeshError(Codes.INVALID_NAME, `exportTo namespace '${ns}': ${p}`);
      if (seen.has(ns)) throw new MeshError(Codes.DUPLICATE_ENTRY, `exportTo namespace '${ns}' is listed twice`);
      seen.add(ns);
    }
    return new ExportTo(['.', ...[...seen].sort()]);
  }

  private constructor(private readonly entries: string[]) {}

  /** The list as Istio takes it, for a resource in `namespace` (which `.` already stands for). */
  public toList(namespace: string): string[] {
    return this.entries.filter((e, i) => i === 0 || e !== namespace);
  }
}
