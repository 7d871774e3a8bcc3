import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { AlertProvider, AlertProviderSpecType } from '../../../imports/flagger.app';

/**
 * The Flagger AlertProvider of a `FlaggerAlertProvider`.
 */

/** What a Flagger AlertProvider is rendered from. */
export interface AlertProviderState {
  readonly type: string;
  readonly channel?: string;
  readonly username?: string;
  /** A webhook URL in the object. */
  readonly address?: string;
  /** A Secret of the namespace holding the URL under `address`. */
  readonly secretName?: string;
}

/**
 * A Flagger AlertProvider under `scope`.
 * @see https://docs.flagger.app/usage/alerting
 */
export function addAlertProvider(scope: Construct, id: string, metadata: ApiObjectMetadata, s: AlertProviderState): ApiObject {
  return new AlertProvider(scope, id, {
    metadata,
    spec: {
      type: s.type as AlertProviderSpecType, channel: s.channel, username: s.username, address: s.address,
      secretRef: s.secretName ? { name: s.secretName } : undefined,
    },
  });
}
