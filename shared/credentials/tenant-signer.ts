/**
 * The signer of the tenant this function serves: the KMS key `TOKEN_SIGNING_KMS_KEY_ID` in AWS, or
 * the local private key `TOKEN_SIGNING_KEY` (`npm start`, tests).
 */
import { KMSClient } from '@aws-sdk/client-kms';
import type { JWK } from 'jose';
import { readSignerConfig } from '../config.js';
import { createKmsSigner } from './kms-signer.js';
import { createLocalSigner, type TokenSigner } from './signer.js';

let signer: TokenSigner | undefined;

/** The module-scope signer; fails when neither a KMS key nor a local key is configured. */
export function tenantSigner(): TokenSigner {
  if (signer) return signer;
  const config = readSignerConfig();
  if (config.kmsKeyId) {
    signer = createKmsSigner(new KMSClient({}), config.kmsKeyId);
  } else if (config.localSigningKey) {
    signer = createLocalSigner(JSON.parse(config.localSigningKey) as JWK);
  } else {
    throw new Error('TOKEN_SIGNING_KMS_KEY_ID (or TOKEN_SIGNING_KEY locally) is not set');
  }
  return signer;
}
