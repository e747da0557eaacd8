/**
 * ES256 signing and public keys through AWS KMS: an asymmetric `ECC_NIST_P256` key with
 * `SIGN_VERIFY` usage. The private key never leaves KMS; the service and the operator CLI call
 * `Sign` with the SHA-256 digest of the JWS signing input, and verifiers fetch the public key once
 * with `GetPublicKey`.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { exportJWK, type JWK } from 'jose';
import { derToJose, type TokenSigner } from './signer.js';

/**
 * The `kid` of a KMS key in token headers: its key id (the UUID), also when configured as an ARN,
 * so that the header does not carry the account and region.
 *
 * @example kmsKeyId('arn:aws:kms:eu-west-1:111122223333:key/1234abcd-…') // '1234abcd-…'
 */
export function kmsKeyId(keyIdOrArn: string): string {
  if (keyIdOrArn.startsWith('alias/') || keyIdOrArn.includes(':alias/')) {
    throw new Error(
      'configure the KMS key by its id or ARN, not an alias (the kid must be stable)',
    );
  }
  return keyIdOrArn.slice(keyIdOrArn.lastIndexOf('/') + 1);
}

/**
 * A signer over a KMS key. `MessageType: DIGEST` sends the 32-byte SHA-256 digest rather than the
 * token (no 4 KB message limit, nothing of the token leaves the function); KMS answers a DER
 * signature, converted to JWS form.
 *
 * @example const signer = createKmsSigner(new KMSClient({}), process.env.TOKEN_KMS_KEY_ID);
 */
export function createKmsSigner(kms: KMSClient, keyIdOrArn: string): TokenSigner {
  return {
    keyId: kmsKeyId(keyIdOrArn),
    async sign(signingInput) {
      const { Signature } = await kms.send(
        new SignCommand({
          KeyId: keyIdOrArn,
          Message: createHash('sha256').update(signingInput).digest(),
          MessageType: 'DIGEST',
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );
      if (!Signature) throw new Error('KMS answered Sign without a signature');
      return derToJose(Signature);
    },
  };
}

/**
 * The public key of a KMS signing key as a JWK (`kid` = `kmsKeyId`), from `GetPublicKey`'s DER
 * SubjectPublicKeyInfo. Refuses a key that is not a P-256 signing key.
 */
export async function kmsPublicJwk(kms: KMSClient, keyIdOrArn: string): Promise<JWK> {
  const answer = await kms.send(new GetPublicKeyCommand({ KeyId: keyIdOrArn }));
  if (
    answer.KeySpec !== 'ECC_NIST_P256' ||
    answer.KeyUsage !== 'SIGN_VERIFY' ||
    !answer.PublicKey
  ) {
    throw new Error(`KMS key ${keyIdOrArn} is not an ECC_NIST_P256 SIGN_VERIFY key`);
  }
  const key = createPublicKey({ key: Buffer.from(answer.PublicKey), format: 'der', type: 'spki' });
  return { ...(await exportJWK(key)), kid: kmsKeyId(keyIdOrArn), alg: 'ES256', use: 'sig' };
}
