/**
 * KMS has no local engine: tests stand in for a fleet KMS HMAC key at the SDK seam
 * (aws-sdk-client-mock), answering GenerateMac with a real HMAC-SHA256 under key material of
 * their own, so the bytes are what KMS would compute with that key.
 *
 * @example
 * const fleetKey = kmsHmacStandIn();
 * mockClient(KMSClient).on(GenerateMacCommand).callsFake(fleetKey.generateMac);
 * fleetKey.mac('grouptalk-scim/log-identifiers/v1/acme').toString('base64url') // the derived key
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface KmsHmacStandIn {
  /** The MAC KMS would compute over `message` with this key. */
  mac(message: Uint8Array | string): Buffer;
  /** A GenerateMac answer as KMS gives it (for `callsFake`). */
  generateMac(input: { Message?: Uint8Array }): { Mac: Uint8Array; MacAlgorithm: 'HMAC_SHA_256' };
}

export function kmsHmacStandIn(): KmsHmacStandIn {
  const material = randomBytes(32);
  const mac = (message: Uint8Array | string) =>
    createHmac('sha256', material).update(message).digest();
  return {
    mac,
    generateMac: (input) => ({
      Mac: new Uint8Array(mac(input.Message ?? new Uint8Array())),
      MacAlgorithm: 'HMAC_SHA_256',
    }),
  };
}
