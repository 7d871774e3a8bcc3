import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { AlertProvider, AlertProviderSpecType } from '../../../imports/flagger.app';

/**
 * The Flagger AlertProvider of a `FlaggerAlertProvider`.
 */

/**
 * A `FlaggerAlertProvider` as its AlertProvider reads it: the construct passes itself (this module
 * does not import it, so that no import goes in a circle).
 */
export interface FlaggerAlertProviderSource {
  /** The chat service. */
  readonly type: string;
  /** Where Flagger posts: a webhook URL written in the object, or a Secret of the namespace holding it under `address`. */
  readonly address: { readonly value: { readonly url?: string; readonly secretName?: string } };
  /** @internal The channel, if any. */
  readonly _channel?: string;
  /** @internal The user name the messages are posted as, if any. */
  readonly _username?: string;
}

/**
 * A Flagger AlertProvider under `scope`.
 * @see https://docs.flagger.app/usage/alerting
 */
export function addAlertProvider(scope: Construct, id: string, metadata: ApiObjectMetadata, s: FlaggerAlertProviderSource): ApiObject {
  return new AlertProvider(scope, id, {
    metadata,
    spec: {
      type: s.type as AlertProviderSpecType, channel: s._channel, username: s._username, address: s.address.value.url,
      secretRef: s.address.value.secretName ? { name: s.address.value.secretName } : undefined,
    },
  });
}
