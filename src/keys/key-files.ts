import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkKnownKeys } from '../known-keys.js';
import { checkKid } from './provider.js';

export interface KeyFilesOptions {
  /** The folder holding `private.pem` and `public.pem`; created (mode 0700) when missing. */
  readonly dir: string;
  readonly kid?: string;
}

export interface KeyFiles {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  readonly kid: string | undefined;
}

/** Reads the key pair in `dir`, generating it once when neither file exists. */
export function loadOrCreateKeyFiles(options: KeyFilesOptions): KeyFiles {
  if (typeof options !== 'object' || options === null) throw new TypeError('jwt-gate: rs256.fromFiles needs { dir }');
  checkKnownKeys(options, ['dir', 'kid'], 'rs256.fromFiles');
  if (typeof options.dir !== 'string' || options.dir === '') throw new TypeError('jwt-gate: "dir" must be a folder path');
  const kid = checkKid(options.kid);
  const privatePath = join(options.dir, 'private.pem');
  const publicPath = join(options.dir, 'public.pem');
  const hasPrivate = existsSync(privatePath);
  const hasPublic = existsSync(publicPath);
  if (hasPrivate !== hasPublic) {
    const missing = hasPrivate ? publicPath : privatePath;
    throw new TypeError(`jwt-gate: half a key pair in ${options.dir}: ${missing} is missing (restore it, or remove both to generate a new pair)`);
  }
  if (!hasPrivate) {
    const pair = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    // 'wx' fails if the file appeared meanwhile: an existing key is never overwritten.
    writeFileSync(privatePath, pair.privateKey, { mode: 0o600, flag: 'wx' });
    writeFileSync(publicPath, pair.publicKey, { mode: 0o644, flag: 'wx' });
    chmodSync(publicPath, 0o644);
  }
  return { privateKeyPem: readFileSync(privatePath, 'utf8'), publicKeyPem: readFileSync(publicPath, 'utf8'), kid };
}
