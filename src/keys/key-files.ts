import { generateKeyPairSync, type KeyObject } from 'node:crypto';
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

export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** A new 2048-bit RSA pair. */
export const newKeyPair = (): KeyPair => generateKeyPairSync('rsa', { modulusLength: 2048 });

/** Writes `pair` into two new files: private 0600, public 0644, in a 0700 folder. */
export function writeKeyPair(dir: string, privatePath: string, publicPath: string, { privateKey, publicKey }: KeyPair): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // 'wx' fails if the file appeared meanwhile: an existing key is never overwritten.
  writeFileSync(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  writeFileSync(publicPath, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644, flag: 'wx' });
  chmodSync(publicPath, 0o644);
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
  if (!hasPrivate) writeKeyPair(options.dir, privatePath, publicPath, newKeyPair());
  return { privateKeyPem: readFileSync(privatePath, 'utf8'), publicKeyPem: readFileSync(publicPath, 'utf8'), kid };
}
