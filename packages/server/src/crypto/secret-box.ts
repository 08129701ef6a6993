import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Seals and opens small secrets with AES-256-GCM under the configured secret key. */
export interface SecretBox {
  seal(plain: Uint8Array, context: string): string;
  open(sealed: string, context: string): Buffer;
}

const VERSION = 'v1';

/**
 * Creates a box over a 32-byte key. Sealed text is `v1.<iv>.<tag>.<ciphertext>` (base64url);
 * `context` is bound as additional authenticated data so a sealed value cannot be moved to
 * another row (e.g. another tenant's CA).
 */
export function createSecretBox(key: Uint8Array): SecretBox {
  if (key.length !== 32) throw new Error('secret key must be 32 bytes');
  return {
    seal(plain, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join(
        '.',
      );
    },
    open(sealed, context) {
      const [version, iv, tag, body] = sealed.split('.');
      if (version !== VERSION || iv === undefined || tag === undefined || body === undefined) {
        throw new Error('sealed value has an unknown format');
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
    },
  };
}
