import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkKnownKeys, folderPath } from '../validate.js';
import { thumbprint } from './jwk.js';
import {
  checkPairAlgorithm,
  generateOnce,
  newKeyPair,
  writeKeyPair,
  type KeyPairAlgorithm,
} from './key-files.js';
import { checkKid } from './provider.js';

/** The folder `keySet.fromFiles` loads its pairs from, and what it signs with. */
export interface KeyDirOptions {
  /** The folder of `<kid>.private.pem` / `<kid>.public.pem` files; created (mode 0700) when missing. */
  readonly dir: string;
  /** The kid to sign with. @default the only key that can sign */
  readonly active?: string;
  /** The algorithm of the pair generated on first start; each file's key type decides its own. @default 'RS256' */
  readonly alg?: KeyPairAlgorithm | 'Ed25519';
}

export interface KeyDirEntry {
  readonly kid: string;
  readonly privateKeyPem: string | undefined;
  readonly publicKeyPem: string | undefined;
}

const KEY_FILE = /^([A-Za-z0-9_-][A-Za-z0-9._-]{0,127})\.(private|public)\.pem$/;

/** Where `generateKeyFiles` writes a new pair, under which `kid`, for which algorithm. */
export interface GenerateKeyFilesOptions {
  readonly dir: string;
  /** @default the key's RFC 7638 thumbprint */
  readonly kid?: string;
  /**
   * What the pair is for: RS256 and PS256 get 2048-bit RSA (PS256's an RSA-PSS key restricted to
   * its parameters), ES256 a P-256 pair, EdDSA (or `Ed25519`) an Ed25519 pair. @default 'RS256'
   */
  readonly alg?: KeyPairAlgorithm | 'Ed25519';
}

/**
 * Writes a new pair as `<kid>.private.pem` (0600) and `<kid>.public.pem` (0644) for
 * `keySet.fromFiles`: both or neither, and never over an existing file. Returns the kid.
 */
export function generateKeyFiles(options: GenerateKeyFilesOptions): string {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('jwt-gate: generateKeyFiles needs { dir }');
  checkKnownKeys(options, ['dir', 'kid', 'alg'], 'generateKeyFiles');
  const dir = folderPath(options.dir);
  const kid = checkKid(options.kid);
  if (kid !== undefined && !KEY_FILE.test(`${kid}.public.pem`)) {
    throw new TypeError(
      'jwt-gate: a kid used as a file name may hold only letters, digits, ".", "-" and "_"',
    );
  }
  const pair = newKeyPair(checkPairAlgorithm(options.alg ?? 'RS256', 'generateKeyFiles'));
  const name = kid ?? thumbprint(pair.publicKey);
  writeKeyPair(dir, join(dir, `${name}.private.pem`), join(dir, `${name}.public.pem`), pair);
  return name;
}

/** Reads every key file in `dir`, generating one pair when there is none; picks the active kid. */
export function loadKeyDir(options: KeyDirOptions): { pairs: KeyDirEntry[]; active: string } {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('jwt-gate: keySet.fromFiles needs { dir }');
  checkKnownKeys(options, ['dir', 'active', 'alg'], 'keySet.fromFiles');
  const alg = checkPairAlgorithm(options.alg ?? 'RS256', 'keySet.fromFiles');
  const dir = folderPath(options.dir);
  const listKeyFiles = (): string[] =>
    existsSync(dir) ? readdirSync(dir).filter((f) => KEY_FILE.test(f)) : [];
  let files = listKeyFiles();
  if (files.length === 0) {
    // Each process would name its own key by its thumbprint: only one of them may generate.
    generateOnce(
      dir,
      () => listKeyFiles().length === 0,
      () => generateKeyFiles({ dir, alg }),
    );
    files = listKeyFiles();
  }
  const byKid = new Map<string, { privateKeyPem: string | undefined; publicKeyPem: string | undefined }>();
  for (const file of files.sort()) {
    const [, kid, kind] = KEY_FILE.exec(file) as unknown as [string, string, 'private' | 'public'];
    const entry = byKid.get(kid) ?? { privateKeyPem: undefined, publicKeyPem: undefined };
    entry[kind === 'private' ? 'privateKeyPem' : 'publicKeyPem'] = readFileSync(join(dir, file), 'utf8');
    byKid.set(kid, entry);
  }
  const pairs = [...byKid].map(([kid, pems]) => ({ kid, ...pems }));
  const signing = pairs.filter((p) => p.privateKeyPem !== undefined).map((p) => p.kid);
  const candidates = signing.length > 0 ? signing : pairs.map((p) => p.kid);
  const active = options.active ?? (candidates.length === 1 ? candidates[0] : undefined);
  if (active === undefined) {
    throw new TypeError(
      `jwt-gate: ${dir} holds several keys (${candidates.join(', ')}); name the active one with "active"`,
    );
  }
  return { pairs, active };
}
