/**
 * ES256 signers: the DER → JWS conversion against real DER signatures made here with node:crypto
 * (the form KMS answers), the local signer, and the KMS adapter at its seam (aws-sdk-client-mock:
 * KMS has no local engine) answering with real DER signatures of a local P-256 key.
 */
import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { createLocalJWKSet, exportJWK, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSigningKey, publicJwks } from '../../../infra/tokens.js';
import { createKmsSigner, kmsKeyId, kmsPublicJwk } from '../../../shared/credentials/kms-signer.js';
import { createLocalSigner, derToJose, signJwt } from '../../../shared/credentials/signer.js';
import { createVerificationKeys } from '../../../shared/credentials/verification-keys.js';

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ARN = `arn:aws:kms:eu-west-1:111122223333:key/${KEY_ID}`;

function p256() {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

describe('derToJose', () => {
  it('converts real DER signatures to r||s that verify as IEEE P1363, short integers included', () => {
    // 400 signatures: about 1 in 128 has an r or s below 2^248 (a short DER integer), and about
    // half have a high bit set (a leading 0x00): both paddings are exercised.
    const { privateKey, publicKey } = p256();
    let shortSeen = 0;
    let paddedSeen = 0;
    for (let i = 0; i < 400; i++) {
      const data = Buffer.from(`message ${i}`);
      const der = sign('sha256', data, privateKey);
      const rLength = der[3] as number;
      const sLength = der[4 + rLength + 1] as number;
      if (rLength < 32 || sLength < 32) shortSeen += 1;
      if (rLength === 33 || sLength === 33) paddedSeen += 1;

      const jose = derToJose(der);

      expect(jose).toHaveLength(64);
      expect(
        verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jose),
        `signature ${i}`,
      ).toBe(true);
    }
    expect(paddedSeen).toBeGreaterThan(0);
    expect(shortSeen + paddedSeen).toBeGreaterThan(0);
  });

  it('left-pads a short integer and drops a sign byte (hand-built DER)', () => {
    // r = 0x01 (one byte), s = 0x00 0x80 00…00 (33 bytes: sign byte, then 32).
    const s = [0x80, ...new Array(31).fill(0)];
    const der = Uint8Array.from([0x30, 3 + 2 + 33, 0x02, 0x01, 0x01, 0x02, 33, 0x00, ...s]);

    const jose = derToJose(der);

    expect([...jose.subarray(0, 32)]).toEqual([...new Array(31).fill(0), 1]);
    expect([...jose.subarray(32)]).toEqual(s);
  });

  it('refuses what is not a DER ECDSA signature', () => {
    const { privateKey } = p256();
    const der = sign('sha256', Buffer.from('x'), privateKey);
    const cases: Uint8Array[] = [
      new Uint8Array(),
      Uint8Array.from([0x31, 0x00]),
      der.subarray(0, der.length - 1),
      Uint8Array.from([...der, 0x00]),
      new Uint8Array(64), // already r||s
    ];
    for (const bad of cases) expect(() => derToJose(bad)).toThrow(/not a DER ECDSA signature/);
  });
});

describe('local signer', () => {
  it('signs JWTs that jose verifies with the public JWKS, naming the key', async () => {
    const key = await generateSigningKey();
    const signer = createLocalSigner(key);

    const token = await signJwt(signer, { sub: 'x', iat: 1 }, { typ: 'at+jwt' });
    const { payload, protectedHeader } = await jwtVerify(
      token,
      createLocalJWKSet(publicJwks([key])),
    );

    expect(protectedHeader).toEqual({ typ: 'at+jwt', alg: 'ES256', kid: key.kid });
    expect(payload).toEqual({ sub: 'x', iat: 1 });
  });
});

describe('KMS signer (aws-sdk-client-mock)', () => {
  const kms = mockClient(KMSClient);
  afterEach(() => kms.reset());

  it("signs the SHA-256 digest with ECDSA_SHA_256 and turns KMS's DER answers into JWTs jose verifies", async () => {
    // Prepare: KMS answers as it does, a DER signature of the digest it was sent. The stand-in
    // knows the signing inputs the test expects, and signs the one whose digest it got.
    const { privateKey, publicKey } = p256();
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: KEY_ID, alg: 'ES256' }] };
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const byDigest = new Map<string, Buffer>();
    for (let iat = 0; iat < 20; iat++) {
      const input = `${encode({ typ: 'JWT', alg: 'ES256', kid: KEY_ID })}.${encode({ tenant: 'acme', iat })}`;
      byDigest.set(createHash('sha256').update(input).digest('hex'), Buffer.from(input));
    }
    kms.on(SignCommand).callsFake(async (input: { Message: Uint8Array }) => {
      const message = byDigest.get(Buffer.from(input.Message).toString('hex'));
      if (!message) throw new Error('KMS stand-in: a digest of no expected signing input');
      return {
        KeyId: KEY_ARN,
        SigningAlgorithm: 'ECDSA_SHA_256',
        Signature: new Uint8Array(sign('sha256', message, privateKey)), // DER
      };
    });
    const signer = createKmsSigner(new KMSClient({ region: 'eu-west-1' }), KEY_ARN);

    // Act
    const tokens = [];
    for (let iat = 0; iat < 20; iat++) tokens.push(await signJwt(signer, { tenant: 'acme', iat }));

    // Assess: the requests KMS got, and tokens jose verifies with the public key.
    const calls = kms.commandCalls(SignCommand);
    expect(calls).toHaveLength(20);
    expect(calls[0]!.args[0].input).toMatchObject({
      KeyId: KEY_ARN,
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    expect(calls[0]!.args[0].input.Message).toHaveLength(32);
    expect(signer.keyId).toBe(KEY_ID);
    for (const [iat, token] of tokens.entries()) {
      const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks));
      expect(payload).toEqual({ tenant: 'acme', iat });
      expect(protectedHeader.kid).toBe(KEY_ID);
    }
  });

  it('reads the public key once per instance from GetPublicKey and verifies KMS-signed tokens', async () => {
    // Prepare: a real key pair; KMS signs through the local key's DER form.
    const local = await generateSigningKey({ kid: KEY_ID });
    const der = createPublicKey({
      key: publicJwks([local]).keys[0] as never,
      format: 'jwk',
    }).export({ format: 'der', type: 'spki' });
    kms.on(GetPublicKeyCommand).resolves({
      KeyId: KEY_ARN,
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      PublicKey: new Uint8Array(der),
    });
    const keys = createVerificationKeys({
      jwks: { keys: [] },
      kmsKeyIds: [KEY_ARN],
      kms: () => new KMSClient({ region: 'eu-west-1' }),
    });
    const signer = createLocalSigner(local);

    // Act
    const results = [];
    for (let i = 0; i < 3; i++) {
      results.push(await jwtVerify(await signJwt(signer, { n: i }), keys));
    }

    // Assess
    expect(results.map((r) => r.payload.n)).toEqual([0, 1, 2]);
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
  });

  it('refuses a KMS key that is not a P-256 signing key, and an alias as key id', async () => {
    kms.on(GetPublicKeyCommand).resolves({
      KeyId: KEY_ARN,
      KeySpec: 'RSA_2048',
      KeyUsage: 'SIGN_VERIFY',
      PublicKey: new Uint8Array(10),
    });

    await expect(kmsPublicJwk(new KMSClient({ region: 'eu-west-1' }), KEY_ARN)).rejects.toThrow(
      /not an ECC_NIST_P256/,
    );
    expect(() => kmsKeyId('alias/grouptalk-tokens')).toThrow(/alias/);
    expect(kmsKeyId(KEY_ARN)).toBe(KEY_ID);
  });
});
