import { Finding } from '../finding';
import { AnalysisView } from './view';

/** One cross-resource check, with its stable code and the Istio and Kiali checks it mirrors. */
export interface AnalysisCheck {
  /** The stable code, `MESH012`. */
  readonly code: string;
  /** What it finds, in a few words. */
  readonly title: string;
  /** istioctl analyze codes of the same check. */
  readonly istio?: readonly string[];
  /** Kiali validation codes of the same check. */
  readonly kiali?: readonly string[];
  /** Runs the check over the index. */
  run(index: AnalysisView): Finding[];
}
