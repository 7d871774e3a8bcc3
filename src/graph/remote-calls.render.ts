import { ApiObject, ApiObjectMetadata, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as jsyaml from 'js-yaml';
import {
  REMOTE_CALLS_FORMAT, REMOTE_CALLS_FORMAT_ANNOTATION, REMOTE_CALLS_KEY, REMOTE_CALLS_LABEL, REMOTE_CALLS_RECORD, RemoteCallEntry,
} from '../core/remote-calls';

/**
 * The remote-calls record of an environment (format `remote-calls/v1`, src/core/remote-calls.ts):
 * a ConfigMap labelled and annotated as the format says, its `calls.yaml` the entries produced
 * at synth, as YAML (long lines never folded, so a diff shows one changed call per line group).
 */
export function addRemoteCallRecord(scope: Construct, id: string, metadata: ApiObjectMetadata, entries: () => readonly RemoteCallEntry[]): ApiObject {
  return new ApiObject(scope, id, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      ...metadata,
      labels: { ...metadata.labels, [REMOTE_CALLS_LABEL]: REMOTE_CALLS_RECORD },
      annotations: { ...metadata.annotations, [REMOTE_CALLS_FORMAT_ANNOTATION]: REMOTE_CALLS_FORMAT },
    },
    data: Lazy.any({ produce: () => ({ [REMOTE_CALLS_KEY]: jsyaml.dump(entries(), { noRefs: true, lineWidth: -1, quotingType: '"' }) }) }),
  });
}
