import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Algorithm } from '../jws/jwa.js';
import { checkKnownKeys, folderPath } from '../validate.js';
import { checkKid } from './provider.js';

/** Where `rs256.fromFiles` (and its siblings) load their key pair from, or generate it on first start. */
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

/** The algorithms a key pair can be generated for. */
export type KeyPairAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

/** Whether `alg` names an algorithm a pair can be generated for; `Ed25519` is the same pair as `EdDSA`. */
export function checkPairAlgorithm(alg: unknown, where: string): KeyPairAlgorithm {
  if (alg === 'Ed25519') return 'EdDSA';
  if (alg === 'RS256' || alg === 'PS256' || alg === 'ES256' || alg === 'EdDSA') return alg;
  throw new TypeError(`jwt-gate: ${where} "alg" must be "RS256", "PS256", "ES256" or "EdDSA"`);
}

/**
 * A new pair for `alg`. PS256 gets an RSA-PSS key restricted to SHA-256 and a 32-byte salt, so the
 * file itself says which algorithm it is for and OpenSSL refuses it for anything else.
 */
export function newKeyPair(alg: Algorithm = 'RS256'): KeyPair {
  switch (alg) {
    case 'PS256':
      // @types/node declares saltLength a string; Node takes the number of bytes.
      return generateKeyPairSync('rsa-pss', {
        modulusLength: 2048,
        hashAlgorithm: 'sha256',
        mgf1HashAlgorithm: 'sha256',
        saltLength: 32 as unknown as string,
      });
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'EdDSA':
    case 'Ed25519':
      return generateKeyPairSync('ed25519');
    default:
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
  }
}

const LOCK = '.jwt-gate.lock';
// Generating a 2048-bit pair takes well under a second: a lock older than this was left by a crash.
const LOCK_STALE_MS = 10_000;
const pause = new Int32Array(new SharedArrayBuffer(4));

const exists = (path: string): Error =>
  Object.assign(new Error(`jwt-gate: ${path} already exists (EEXIST); a key file is never overwritten`), {
    code: 'EEXIST',
    path,
  });

/** A name beside `path` that no key file pattern matches, unique to this call. */
const tempBeside = (path: string): string =>
  join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);

/**
 * Writes `pair` into two new files, private 0600 and public 0644, in a 0700 folder: both or
 * neither. Each half goes to a temp file first, then is linked into place; a link, unlike a
 * rename, fails on an existing file, so nothing is ever overwritten.
 */
export function writeKeyPair(
  dir: string,
  privatePath: string,
  publicPath: string,
  { privateKey, publicKey }: KeyPair,
): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const path of [privatePath, publicPath]) if (existsSync(path)) throw exists(path);
  const halves = [
    {
      path: privatePath,
      temp: tempBeside(privatePath),
      pem: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      mode: 0o600,
    },
    {
      path: publicPath,
      temp: tempBeside(publicPath),
      pem: publicKey.export({ type: 'spki', format: 'pem' }),
      mode: 0o644,
    },
  ];
  const linked: string[] = [];
  try {
    for (const { temp, pem, mode } of halves) {
      writeFileSync(temp, pem, { mode, flag: 'wx' });
      // The umask may have narrowed the public file's mode.
      chmodSync(temp, mode);
    }
    for (const { temp, path } of halves) {
      linkSync(temp, path);
      linked.push(path);
    }
  } catch (err) {
    for (const path of linked) unlinkSync(path);
    throw err;
  } finally {
    for (const { temp } of halves) rmSync(temp, { force: true });
  }
}

/** Takes `lock` by creating it, waiting while another process holds it. */
function takeLock(lock: string): number {
  for (;;) {
    try {
      return openSync(lock, 'wx', 0o600);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
    }
    const heldSince = statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
    if (heldSince !== undefined && Date.now() - heldSince > LOCK_STALE_MS) {
      throw new TypeError(
        `jwt-gate: ${lock} is left from generating keys (a process stopped); remove it if no other process is starting`,
      );
    }
    Atomics.wait(pause, 0, 0, 20);
  }
}

/**
 * Runs `generate` when `needed()` still holds once this process has `dir`'s lock file, so two
 * processes starting at once end with one pair: the second waits, then finds the first one's.
 */
export function generateOnce(dir: string, needed: () => boolean, generate: () => void): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lock = join(dir, LOCK);
  const fd = takeLock(lock);
  try {
    if (needed()) generate();
  } finally {
    closeSync(fd);
    rmSync(lock, { force: true });
  }
}

/** Reads the key pair in `dir`, generating one for `alg` when neither file exists. */
export function loadOrCreateKeyFiles(options: KeyFilesOptions, alg: Algorithm, where: string): KeyFiles {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`jwt-gate: ${where} needs { dir }`);
  checkKnownKeys(options, ['dir', 'kid'], where);
  const dir = folderPath(options.dir);
  const kid = checkKid(options.kid);
  const privatePath = join(dir, 'private.pem');
  const publicPath = join(dir, 'public.pem');
  const found = (): number => Number(existsSync(privatePath)) + Number(existsSync(publicPath));
  // Half a pair while another process holds the lock is that process between its two links.
  if (found() === 0 || (found() === 1 && existsSync(join(dir, LOCK)))) {
    generateOnce(
      dir,
      () => found() === 0,
      () => {
        writeKeyPair(dir, privatePath, publicPath, newKeyPair(alg));
      },
    );
  }
  if (found() === 1) {
    const missing = existsSync(privatePath) ? publicPath : privatePath;
    throw new TypeError(
      `jwt-gate: half a key pair in ${dir}: ${missing} is missing (restore it, or remove both to generate a new pair)`,
    );
  }
  return {
    privateKeyPem: readFileSync(privatePath, 'utf8'),
    publicKeyPem: readFileSync(publicPath, 'utf8'),
    kid,
  };
}
