import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import { eddsa, es256, rs256, type KeyProvider } from 'jwt-gate';
import { keys, payload } from '../fixtures.js';
import { floorSign, floorSignAsync, type AsymmetricAlg } from '../floor.js';
import { gate } from '../gate.js';
import { machine } from '../machine.js';

export interface LoopOptions {
  /** Logins per burst. */
  readonly logins: number;
  readonly bursts: number;
}

interface Measured {
  readonly name: string;
  readonly ms: { p50: number; p99: number; max: number };
  readonly burstMs: number;
}

// Each login as a server runs it: its own task on the loop, then one RS256 signature.
async function measure(
  name: string,
  options: LoopOptions,
  login: (i: number) => Promise<unknown>,
): Promise<Measured> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  await Promise.all(Array.from({ length: options.logins }, (_, i) => tick().then(() => login(i)))); // warm-up
  histogram.enable();
  const started = performance.now();
  for (let b = 0; b < options.bursts; b++) {
    await Promise.all(Array.from({ length: options.logins }, (_, i) => tick().then(() => login(i))));
    await tick();
  }
  const burstMs = (performance.now() - started) / options.bursts;
  histogram.disable();
  const ms = (ns: number): number => ns / 1e6;
  return {
    name,
    ms: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) },
    burstMs,
  };
}

const SIGNERS: ReadonlyArray<readonly [AsymmetricAlg, KeyProvider, typeof keys.privateKey, string]> = [
  ['RS256', rs256({ privateKey: keys.privateKey }), keys.privateKey, 'async crypto.sign, thread pool'],
  ['ES256', es256({ privateKey: keys.ec.privateKey }), keys.ec.privateKey, 'async crypto.sign, thread pool'],
  [
    'EdDSA',
    eddsa({ privateKey: keys.ed25519.privateKey }),
    keys.ed25519.privateKey,
    'async crypto.sign, thread pool',
  ],
];

// The event loop's own time per signature (its utilisation, not the delay it causes), in place
// against on the thread pool: what deciding where each algorithm signs rests on.
async function loopTime(
  alg: AsymmetricAlg,
  privateKey: typeof keys.privateKey,
  pooled: boolean,
  signs: number,
): Promise<{ busy: number; wall: number }> {
  const before = performance.eventLoopUtilization();
  const started = performance.now();
  for (let b = 0; b < signs / 50; b++) {
    await Promise.all(
      Array.from({ length: 50 }, () =>
        pooled
          ? floorSignAsync(alg, payload(), privateKey)
          : Promise.resolve(floorSign(alg, payload(), privateKey)),
      ),
    );
  }
  const { active } = performance.eventLoopUtilization(before);
  return { busy: (active * 1000) / signs, wall: ((performance.now() - started) * 1000) / signs };
}

/**
 * 50 concurrent logins per algorithm: jwt-gate's issue (every asymmetric signature on the thread
 * pool, src/jws/jwa.ts) against synchronous and thread-pool crypto.sign of the same claims.
 */
export async function runLoop(options: LoopOptions): Promise<string> {
  const claims = (i: number): object => ({ ...payload(), sub: `user-${i}` });
  const rows = [
    await measure("none (the loop idle but for the logins' tasks)", options, async () => undefined),
  ];
  for (const [alg, provider, privateKey, mode] of SIGNERS) {
    const auth = gate(provider);
    rows.push(
      await measure(`${alg}: jwt-gate issue (${mode})`, options, (i) => auth.issue({ sub: `user-${i}` })),
      await measure(`${alg}: synchronous crypto.sign in each login`, options, async (i) =>
        floorSign(alg, claims(i), privateKey),
      ),
      await measure(`${alg}: crypto.sign on the thread pool`, options, (i) =>
        floorSignAsync(alg, claims(i), privateKey),
      ),
    );
  }
  const fmt = (n: number): string => n.toFixed(2);
  const busy = [
    '',
    '| signing, bursts of 50 | loop busy µs per signature | wall µs per signature |',
    '|---|---:|---:|',
  ];
  for (const [alg, , privateKey] of SIGNERS) {
    for (const pooled of [false, true]) {
      const t = await loopTime(alg, privateKey, pooled, alg.startsWith('RS') ? 200 : 2000);
      busy.push(
        `| ${alg}, ${pooled ? 'thread pool' : 'in place'} | ${t.busy.toFixed(1)} | ${t.wall.toFixed(1)} |`,
      );
    }
  }
  const lines = [
    `## Event loop during logins (${machine()})`,
    '',
    `${options.logins} concurrent logins per burst, ${options.bursts} bursts; perf_hooks.monitorEventLoopDelay at 1 ms resolution (an idle loop reads about 1.1 ms: the timer's own period).`,
    '',
    '| signing | loop delay p50 ms | p99 ms | max ms | one burst ms |',
    '|---|---:|---:|---:|---:|',
    ...rows.map(
      (r) => `| ${r.name} | ${fmt(r.ms.p50)} | ${fmt(r.ms.p99)} | ${fmt(r.ms.max)} | ${fmt(r.burstMs)} |`,
    ),
    ...busy,
  ];
  const text = lines.join('\n');
  console.log(text);
  return text;
}
