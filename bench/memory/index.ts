import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { hs256, rs256, type Auth } from 'jwt-gate';
import { keys, payload } from '../fixtures.js';
import { floorSignHs256, floorSignRs256 } from '../floor.js';
import { gate } from '../gate.js';
import { machine } from '../machine.js';

// `global.gc` without a command-line flag: memory is measured after full collections only.
function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

// The heap a cache of `entries` verified tokens holds: each verification gets a fresh copy of its
// token, as from a request, so the token the cache keeps is counted. The median of three fresh Auths.
async function perEntry(make: () => Auth, tokens: readonly string[]): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const auth = make();
    const before = heapAfterGc();
    for (const t of tokens) await auth.verify(Buffer.from(t, 'latin1').toString('latin1'));
    runs.push((heapAfterGc() - before) / tokens.length);
    auth.jwks(); // keeps `auth`, and the cache it holds, alive across the measurement
  }
  return runs.sort((a, b) => a - b)[1] ?? NaN;
}

/** Bytes of heap per cached token, by algorithm and size, with an uncached Auth as the control. */
export async function runMemory(sizes: readonly number[] = [2_000, 10_000]): Promise<string> {
  const lines = [
    `## Verified-token cache: memory (${machine()})`,
    '',
    'Heap growth after full GC, divided by the number of distinct valid tokens verified.',
    '',
    '| algorithm | token length | tokens | uncached Auth, bytes/token | cache, bytes/entry | cache, total MB |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const alg of ['HS256', 'RS256'] as const) {
    for (const size of sizes) {
      const tokens = Array.from({ length: size }, (_, i) => {
        const claims = { ...payload(), sub: `user-${String(i).padStart(6, '0')}` };
        return alg === 'HS256'
          ? floorSignHs256(claims, keys.secret)
          : floorSignRs256(claims, keys.privateKey);
      });
      const key = alg === 'HS256' ? hs256(keys.secret) : rs256({ publicKey: keys.publicKey });
      const control = await perEntry(() => gate(key), tokens);
      const entry = await perEntry(() => gate(key, { cache: true, cacheMax: size }), tokens);
      const mb = ((entry * size) / 2 ** 20).toFixed(1);
      lines.push(
        `| ${alg} | ${tokens[0]?.length} | ${size.toLocaleString('en-US')} | ${control.toFixed(0)} | ${entry.toFixed(0)} | ${mb} |`,
      );
    }
  }
  const text = lines.join('\n');
  console.log(text);
  return text;
}
