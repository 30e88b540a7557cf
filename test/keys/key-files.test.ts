import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createAuth,
  generateKeyFiles,
  rs256,
  type KeyFilesOptions,
  type KeyProvider,
} from '../../src/index.js';
import { caught, fixedNow, fixture, modulusOf } from '../helpers.js';

// A disk that fails one chosen write or link, to show that a failed generation leaves nothing behind.
const failing = vi.hoisted(() => ({
  call: undefined as 'writeFileSync' | 'linkSync' | undefined,
  target: /$^/,
}));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const failOn =
    <A extends unknown[], R>(
      name: 'writeFileSync' | 'linkSync',
      target: (...args: A) => unknown,
      fn: (...args: A) => R,
    ) =>
    (...args: A): R => {
      if (failing.call === name && failing.target.test(String(target(...args)))) {
        throw Object.assign(new Error(`EIO: i/o error, ${name} (simulated)`), { code: 'EIO' });
      }
      return fn(...args);
    };
  return {
    ...real,
    writeFileSync: failOn(
      'writeFileSync',
      (path: unknown) => path,
      real.writeFileSync as (...args: unknown[]) => void,
    ),
    linkSync: failOn(
      'linkSync',
      (_from: unknown, to: unknown) => to,
      real.linkSync as (...args: unknown[]) => void,
    ),
  };
});

// Misuse from untyped callers (JavaScript, JSON config): the types would refuse these inputs.
const looseFromFiles = rs256.fromFiles as unknown as (options: unknown) => KeyProvider;

const privatePem = fixture('test-only-rsa-2048-private.pem');
const publicPem = fixture('test-only-rsa-2048-public.pem');
const publicPemB = fixture('test-only-rsa-2048-b-public.pem');
const fixtureN = createPublicKey(publicPem).export({ format: 'jwk' }).n;

// A pinned past time: a file rewritten by the code under test would carry a newer mtime.
const PAST = new Date('2020-01-01T00:00:00Z');

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'jwt-gate-key-files-'));
});
afterEach(() => {
  failing.call = undefined;
  rmSync(tmp, { recursive: true, force: true });
});

function expectRefused(
  fn: () => unknown,
  type: typeof TypeError | typeof RangeError,
  message: RegExp,
): Error {
  const err = caught(fn);
  expect(err.constructor).toBe(type);
  expect(err.message).toMatch(message);
  for (const line of [...privatePem.split('\n'), ...publicPem.split('\n')].filter(
    (l) => l.length >= 16 && !l.startsWith('-----'),
  )) {
    expect(err.message).not.toContain(line);
  }
  return err;
}

const mode = (path: string): number => statSync(path).mode & 0o777;

/** Writes a key pair into `dir` the way an operator would, with the pinned mtime. */
function writePair(dir: string, privateText: string | undefined, publicText: string | undefined): void {
  for (const [name, text, fileMode] of [
    ['private.pem', privateText, 0o600],
    ['public.pem', publicText, 0o644],
  ] as const) {
    if (text === undefined) continue;
    writeFileSync(join(dir, name), text, { mode: fileMode });
    utimesSync(join(dir, name), PAST, PAST);
  }
}

/** Bytes and mtime of every file in `dir`, to show that nothing was written. */
function snapshot(dir: string): Record<string, { bytes: string; mtimeMs: number }> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => [
        name,
        {
          bytes: readFileSync(join(dir, name)).toString('base64'),
          mtimeMs: statSync(join(dir, name)).mtimeMs,
        },
      ]),
  );
}

describe('rs256.fromFiles: first start generates a pair', () => {
  it('creates the missing folder (0700), private.pem (0600) and public.pem (0644) holding one 2048-bit RSA pair, whatever the umask', async () => {
    const dir = join(tmp, 'state', 'keys');
    expect(existsSync(dir)).toBe(false);
    // A strict umask must not change the modes the files are written with.
    const previousUmask = process.umask(0o077);
    let provider: KeyProvider;
    try {
      provider = rs256.fromFiles({ dir });
    } finally {
      process.umask(previousUmask);
    }

    expect(statSync(dir).isDirectory()).toBe(true);
    expect(mode(dir)).toBe(0o700);
    expect(readdirSync(dir).sort()).toEqual(['private.pem', 'public.pem']);
    expect(mode(join(dir, 'private.pem'))).toBe(0o600);
    expect(mode(join(dir, 'public.pem'))).toBe(0o644);

    const privateText = readFileSync(join(dir, 'private.pem'), 'utf8');
    const publicText = readFileSync(join(dir, 'public.pem'), 'utf8');
    expect(privateText).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(publicText).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const privateKey = createPrivateKey(privateText);
    expect(privateKey.asymmetricKeyType).toBe('rsa');
    expect(privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const n = createPublicKey(publicText).export({ format: 'jwk' }).n;
    expect(createPublicKey(privateKey).export({ format: 'jwk' }).n).toBe(n);
    // A fresh key, not one of the fixtures.
    expect(n).not.toBe(fixtureN);

    expect(provider.algorithms).toStrictEqual(['RS256']);
    expect(provider.publicJwks?.()).toStrictEqual([{ kty: 'RSA', n, e: 'AQAB', alg: 'RS256', use: 'sig' }]);
    const auth = createAuth({ key: provider, now: fixedNow });
    const token = await auth.issue({ sub: 'u1' });
    await expect(
      createAuth({ key: rs256({ publicKey: publicText }), now: fixedNow }).verify(token),
    ).resolves.toMatchObject({ sub: 'u1' });
  });

  it('the next start loads the same pair and leaves both files untouched', async () => {
    const dir = join(tmp, 'keys');
    const first = rs256.fromFiles({ dir });
    for (const name of ['private.pem', 'public.pem']) utimesSync(join(dir, name), PAST, PAST);
    const before = snapshot(dir);

    const second = rs256.fromFiles({ dir });

    expect(snapshot(dir)).toStrictEqual(before);
    expect(statSync(join(dir, 'private.pem')).mtimeMs).toBe(PAST.getTime());
    expect(mode(join(dir, 'private.pem'))).toBe(0o600);
    expect(mode(join(dir, 'public.pem'))).toBe(0o644);
    expect(second.publicJwks?.()).toStrictEqual(first.publicJwks?.());
    const token = await createAuth({ key: first, now: fixedNow }).issue({ sub: 'u1' });
    await expect(createAuth({ key: second, now: fixedNow }).verify(token)).resolves.toMatchObject({
      sub: 'u1',
    });
    const back = await createAuth({ key: second, now: fixedNow }).issue({ sub: 'u2' });
    await expect(createAuth({ key: first, now: fixedNow }).verify(back)).resolves.toMatchObject({
      sub: 'u2',
    });
  });
});

describe('rs256.fromFiles: an existing pair', () => {
  it('is loaded exactly and never overwritten', async () => {
    writePair(tmp, privatePem, publicPem);
    const before = snapshot(tmp);
    const provider = rs256.fromFiles({ dir: tmp });

    expect(snapshot(tmp)).toStrictEqual(before);
    expect(modulusOf(provider.publicJwks?.()[0])).toBe(fixtureN);
    const token = await createAuth({ key: provider, now: fixedNow }).issue({ sub: 'u1' });
    await expect(
      createAuth({ key: rs256({ publicKey: publicPem }), now: fixedNow }).verify(token),
    ).resolves.toMatchObject({ sub: 'u1' });
  });

  it('with a kid: the kid is written to headers and published', async () => {
    writePair(tmp, privatePem, publicPem);
    const options: KeyFilesOptions = { dir: tmp, kid: 'k1' };
    const auth = createAuth({ key: rs256.fromFiles(options), now: fixedNow });
    const token = await auth.issue({ sub: 'u1' });
    expect(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'))).toStrictEqual({
      alg: 'RS256',
      typ: 'JWT',
      kid: 'k1',
    });
    expect(auth.jwks().keys.map((k) => [k.kid, modulusOf(k)])).toStrictEqual([['k1', fixtureN]]);
  });

  it('only private.pem present: TypeError naming public.pem, and nothing is written', () => {
    writePair(tmp, privatePem, undefined);
    const before = snapshot(tmp);
    const err = expectRefused(() => rs256.fromFiles({ dir: tmp }), TypeError, /half a key pair/);
    expect(err.message).toContain(`${join(tmp, 'public.pem')} is missing`);
    expect(err.message).not.toContain('private.pem');
    expect(snapshot(tmp)).toStrictEqual(before);
  });

  it('only public.pem present: TypeError naming private.pem, and nothing is written', () => {
    writePair(tmp, undefined, publicPem);
    const before = snapshot(tmp);
    const err = expectRefused(() => rs256.fromFiles({ dir: tmp }), TypeError, /half a key pair/);
    expect(err.message).toContain(`${join(tmp, 'private.pem')} is missing`);
    expect(err.message).not.toContain('public.pem');
    expect(snapshot(tmp)).toStrictEqual(before);
  });

  it('a 1024-bit pair: RangeError, files kept', () => {
    writePair(tmp, fixture('test-only-rsa-1024-private.pem'), fixture('test-only-rsa-1024-public.pem'));
    const before = snapshot(tmp);
    expectRefused(() => rs256.fromFiles({ dir: tmp }), RangeError, /at least 2048 bits/);
    expect(snapshot(tmp)).toStrictEqual(before);
  });

  it('a mismatched pair (2048 private with 2048-b public): TypeError, files kept', () => {
    writePair(tmp, privatePem, publicPemB);
    const before = snapshot(tmp);
    expectRefused(() => rs256.fromFiles({ dir: tmp }), TypeError, /publicKey does not belong to privateKey/);
    expect(snapshot(tmp)).toStrictEqual(before);
  });

  it('the two files swapped: TypeError, files kept', () => {
    writePair(tmp, publicPem, privatePem);
    const before = snapshot(tmp);
    expectRefused(() => rs256.fromFiles({ dir: tmp }), TypeError, /^jwt-gate: rs256 (private|public)Key /);
    expect(snapshot(tmp)).toStrictEqual(before);
  });
});

describe('rs256.fromFiles: options are checked before anything touches the disk', () => {
  it.each([
    ['modulusLength', { modulusLength: 4096 }],
    ['Dir', { Dir: 'x' }],
  ] as const)('unknown option "%s": TypeError naming it, nothing generated', (key, extra) => {
    const dir = join(tmp, 'keys');
    expectRefused(
      () => looseFromFiles({ dir, ...extra }),
      TypeError,
      new RegExp(`unknown rs256.fromFiles option "${key}"`),
    );
    expect(existsSync(dir)).toBe(false);
  });

  it.each([
    ['no dir option', {}],
    ['an empty dir', { dir: '' }],
    ['a numeric dir', { dir: 42 }],
    ['a URL dir', { dir: new URL('file:///tmp/') }],
  ] as const)('%s: TypeError naming "dir"', (_name, options) => {
    expectRefused(() => looseFromFiles(options), TypeError, /"dir" must be a folder path/);
  });

  it.each([
    ['null', (): unknown => null],
    ['a bare path instead of { dir }', (): unknown => join(tmp, 'keys')],
  ] as const)('%s: TypeError, nothing generated', (_name, options) => {
    expectRefused(() => looseFromFiles(options()), TypeError, /rs256.fromFiles needs \{ dir \}/);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('an empty kid: TypeError before generating', () => {
    const dir = join(tmp, 'keys');
    expectRefused(() => looseFromFiles({ dir, kid: '' }), TypeError, /"kid" must be a non-empty string/);
    expect(existsSync(dir)).toBe(false);
  });
});

// ---- writing a pair: all or nothing, never over an existing file ---------------------------

/** The names in `dir`, so leftovers (a temp file, a lock, half a pair) show. */
const names = (dir: string): string[] => readdirSync(dir).sort();

/** Both halves are one key, with the modes they must have. */
function expectPair(privatePath: string, publicPath: string): string {
  expect(mode(privatePath)).toBe(0o600);
  expect(mode(publicPath)).toBe(0o644);
  const n = createPublicKey(readFileSync(publicPath, 'utf8')).export({ format: 'jwk' }).n;
  expect(
    createPublicKey(createPrivateKey(readFileSync(privatePath, 'utf8'))).export({ format: 'jwk' }).n,
  ).toBe(n);
  return n as string;
}

describe('generateKeyFiles: a pair is written whole or not at all', () => {
  it('writes 0600 and 0644 whatever the umask, and nothing else', () => {
    const previousUmask = process.umask(0o077);
    try {
      expect(generateKeyFiles({ dir: tmp, kid: 'k1' })).toBe('k1');
    } finally {
      process.umask(previousUmask);
    }
    expect(names(tmp)).toEqual(['k1.private.pem', 'k1.public.pem']);
    expectPair(join(tmp, 'k1.private.pem'), join(tmp, 'k1.public.pem'));
  });

  it.each([
    ['a public file', 'k1.public.pem', (path: string) => writeFileSync(path, publicPem)],
    ['a private file', 'k1.private.pem', (path: string) => writeFileSync(path, privatePem, { mode: 0o600 })],
    ['a folder where the public file goes', 'k1.public.pem', (path: string) => mkdirSync(path)],
  ] as const)(
    '%s already there: EEXIST naming it, nothing written, nothing overwritten',
    (_name, taken, make) => {
      make(join(tmp, taken));
      for (const name of names(tmp)) utimesSync(join(tmp, name), PAST, PAST);
      const before = snapshotAll(tmp);
      const err = caught(() => generateKeyFiles({ dir: tmp, kid: 'k1' }));
      expect(err).toMatchObject({ code: 'EEXIST' });
      expect(err.message).toContain(join(tmp, taken));
      expect(snapshotAll(tmp)).toStrictEqual(before);
    },
  );

  it.each([
    ['the private temp file cannot be written', 'writeFileSync', /private/],
    ['the public temp file cannot be written', 'writeFileSync', /public/],
    ['the private file cannot be linked', 'linkSync', /k1\.private\.pem$/],
    ['the public file cannot be linked, after the private one was', 'linkSync', /k1\.public\.pem$/],
  ] as const)('%s: the error is thrown and the folder is left as it was', (_name, call, target) => {
    writeFileSync(join(tmp, 'README.txt'), 'kept');
    failing.call = call;
    failing.target = target;
    expect(() => generateKeyFiles({ dir: tmp, kid: 'k1' })).toThrow(/EIO/);
    expect(names(tmp)).toEqual(['README.txt']);
    failing.call = undefined;
    expect(generateKeyFiles({ dir: tmp, kid: 'k1' })).toBe('k1');
    expect(names(tmp)).toEqual(['README.txt', 'k1.private.pem', 'k1.public.pem']);
  });
});

describe('rs256.fromFiles: a failed first start leaves nothing behind', () => {
  it.each([
    ['writing the public temp file', 'writeFileSync', /public/],
    ['linking public.pem', 'linkSync', /public\.pem$/],
  ] as const)('a failure %s: thrown, no file left, the next start generates', (_name, call, target) => {
    const dir = join(tmp, 'keys');
    failing.call = call;
    failing.target = target;
    expect(() => rs256.fromFiles({ dir })).toThrow(/EIO/);
    expect(names(dir)).toEqual([]);
    failing.call = undefined;
    rs256.fromFiles({ dir });
    expect(names(dir)).toEqual(['private.pem', 'public.pem']);
    expectPair(join(dir, 'private.pem'), join(dir, 'public.pem'));
  });

  it('a lock left by a process that died while generating: TypeError naming it, nothing generated', () => {
    const lock = join(tmp, '.jwt-gate.lock');
    writeFileSync(lock, '');
    utimesSync(lock, PAST, PAST);
    const err = expectRefused(() => rs256.fromFiles({ dir: tmp }), TypeError, /generating keys/);
    expect(err.message).toContain(lock);
    expect(names(tmp)).toEqual(['.jwt-gate.lock']);
  });
});

/** Bytes, mode and mtime of every entry in `dir`, folders included. */
function snapshotAll(dir: string): Record<string, { bytes: string | null; mode: number; mtimeMs: number }> {
  return Object.fromEntries(
    names(dir).map((name) => {
      const stat = statSync(join(dir, name));
      return [
        name,
        {
          bytes: stat.isFile() ? readFileSync(join(dir, name)).toString('base64') : null,
          mode: stat.mode,
          mtimeMs: stat.mtimeMs,
        },
      ];
    }),
  );
}

// ---- two processes starting at once ---------------------------------------------------------

const SOURCE = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
// Each child loads the source, says it is ready, waits for the others, then loads or generates the keys.
const CHILD = `
import { existsSync, writeFileSync } from 'node:fs';
const providers = await import(process.env.SOURCE);
const { KIND, KEYS, BARRIER, ME, COUNT, ALG } = process.env;
writeFileSync(BARRIER + '/' + ME, '');
const pause = new Int32Array(new SharedArrayBuffer(4));
for (let i = 0; i < Number(COUNT); i++) while (!existsSync(BARRIER + '/' + i)) Atomics.wait(pause, 0, 0, 1);
const provider = KIND === 'keySet' ? providers.keySet.fromFiles({ dir: KEYS, alg: ALG }) : providers[KIND].fromFiles({ dir: KEYS });
process.stdout.write(JSON.stringify(provider.publicJwks()));
`;

async function startTogether(
  kind: 'rs256' | 'ps256' | 'es256' | 'eddsa' | 'keySet',
  keys: string,
  count: number,
  alg = 'RS256',
): Promise<unknown[]> {
  const barrier = mkdtempSync(join(tmp, 'barrier-'));
  const runs = Array.from({ length: count }, (_, me) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
      env: {
        ...process.env,
        SOURCE,
        KIND: kind,
        KEYS: keys,
        BARRIER: barrier,
        ME: String(me),
        COUNT: String(count),
        ALG: alg,
      },
      timeout: 30_000,
    }),
  );
  return (await Promise.all(runs)).map(({ stdout }) => JSON.parse(stdout) as unknown);
}

describe('two processes starting at once end with one pair', { timeout: 60_000 }, () => {
  it('half a pair while another process holds the lock is that process still writing: waited for, then loaded', async () => {
    // The other process: takes the lock, links private.pem, pauses, links public.pem, lets go.
    const other = promisify(execFile)(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
      import { openSync, rmSync, writeFileSync } from 'node:fs';
      const { DIR, PRIVATE, PUBLIC } = process.env;
      openSync(DIR + '/.jwt-gate.lock', 'wx');
      writeFileSync(DIR + '/private.pem', PRIVATE, { mode: 0o600 });
      writeFileSync(DIR + '/ready', '');
      await new Promise((resolve) => setTimeout(resolve, 300));
      writeFileSync(DIR + '/public.pem', PUBLIC, { mode: 0o644 });
      rmSync(DIR + '/.jwt-gate.lock');
    `,
      ],
      { env: { ...process.env, DIR: tmp, PRIVATE: privatePem, PUBLIC: publicPem } },
    );
    while (!existsSync(join(tmp, 'ready'))) await new Promise((resolve) => setTimeout(resolve, 5));
    const provider = rs256.fromFiles({ dir: tmp });
    await other;
    expect(modulusOf(provider.publicJwks?.()[0])).toBe(fixtureN);
    expect(names(tmp)).toEqual(['private.pem', 'public.pem', 'ready']);
  });

  it('rs256.fromFiles: both load the one pair written', async () => {
    const dir = join(tmp, 'keys');
    const [first, second] = await startTogether('rs256', dir, 2);
    expect(second).toStrictEqual(first);
    expect(names(dir)).toEqual(['private.pem', 'public.pem']);
    const n = expectPair(join(dir, 'private.pem'), join(dir, 'public.pem'));
    expect(first).toStrictEqual([expect.objectContaining({ n })]);
  });

  it('keySet.fromFiles: both load the one pair written, under one thumbprint', async () => {
    const dir = join(tmp, 'keys');
    const [first, second] = await startTogether('keySet', dir, 2);
    expect(second).toStrictEqual(first);
    const files = names(dir);
    expect(files).toHaveLength(2);
    const kid = files[0]!.replace('.private.pem', '');
    expect(files).toEqual([`${kid}.private.pem`, `${kid}.public.pem`]);
    const n = expectPair(join(dir, files[0]!), join(dir, files[1]!));
    expect(first).toStrictEqual([expect.objectContaining({ kid, n })]);
  });

  it.each([
    ['ps256', 'RSA'],
    ['es256', 'EC'],
    ['eddsa', 'OKP'],
  ] as const)('%s.fromFiles: both load the one pair written', async (kind, kty) => {
    const dir = join(tmp, 'keys');
    const [first, second] = await startTogether(kind, dir, 2);
    expect(second).toStrictEqual(first);
    expect(first).toStrictEqual([expect.objectContaining({ kty })]);
    expect(names(dir)).toEqual(['private.pem', 'public.pem']);
  });

  it('keySet.fromFiles with alg ES256: both load the one P-256 pair written', async () => {
    const dir = join(tmp, 'keys');
    const [first, second] = await startTogether('keySet', dir, 2, 'ES256');
    expect(second).toStrictEqual(first);
    expect(first).toStrictEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256' })]);
    expect(names(dir)).toHaveLength(2);
  });
});
