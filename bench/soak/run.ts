import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { AppSettings } from './app.js';
import type { ClientName } from './app-clients.js';
import { startApps, type AppGroup } from './apps.js';
import { Checker } from './checker.js';
import { FAULTS } from './faults.js';
import { httpClient } from './http.js';
import { Ledger } from './ledger.js';
import { startLoad } from './load.js';
import { heldByRedis, type Traffic } from './probes.js';
import { parseOptions, seeded, type SoakOptions } from './options.js';
import { details, report, type SetupResult } from './report.js';
import { Timeline } from './timeline.js';
import { startTopology, type SetupName, type Topology } from './topology.js';

// npm run soak [-- --short] (see options.ts): app processes on real Redis set-ups under load, with faults
// injected, and an invariant checker. Exits 1 when an invariant broke (0 with --report-only), 2 when the
// harness itself failed.

const options = parseOptions(process.argv.slice(2), process.env);
const EXPIRES_IN = 90;
const REFRESH_EXPIRES_IN = 300;
const CLOCK_TOLERANCE = 30;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// Whatever runs now, stopped on an interrupt too: no redis-server or app process outlives the soak.
const running = new Set<() => Promise<void>>();
// docs/many-instances.md, "A near cache in every process": nothing read is kept from a log whose server is younger.
const HOLD_MS = 20_000;
const stopAll = async (): Promise<void> => {
  await Promise.all([...running].map((stop) => stop().catch(() => undefined)));
};
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void stopAll().finally(() => process.exit(130)));

function settings(topology: Topology, client: ClientName, secret: string, o: SoakOptions): AppSettings {
  return {
    connection: topology.connection,
    client,
    prefix: `soak-${client}:`,
    secret,
    expiresIn: EXPIRES_IN,
    refreshExpiresIn: REFRESH_EXPIRES_IN,
    clockTolerance: CLOCK_TOLERANCE,
    storeOptions: { ...topology.storeOptions, ...o.storeOptions },
    clientOptions: o.clientOptions,
  };
}

async function runSetup(setup: SetupName, o: SoakOptions, started: Promise<Topology>): Promise<SetupResult> {
  // Faults draw from a generator of their own: the same seed gives the same fault lengths and nodes
  // whatever the load did. The load's draws follow the seed too, but interleave with the machine's timing.
  const faultRandom = seeded(o.seed);
  const random = seeded(o.seed + 1);
  const errors: string[] = [];
  const timeline = new Timeline();
  const topology = await started;
  const secret = randomBytes(32).toString('base64url');
  const groups: AppGroup[] = [];
  const traffic: Traffic[] = [];
  let stopped = false;
  try {
    for (const client of o.clients) {
      const apps = await startApps(settings(topology, client, secret, o), o.apps);
      groups.push(apps);
      running.add(apps.stop);
      const ledger = new Ledger((REFRESH_EXPIRES_IN + 2 * CLOCK_TOLERANCE) * 1000);
      const t: Traffic = {
        apps,
        http: httpClient(),
        ledger,
        checker: new Checker(timeline, ledger, o.stalenessMs + o.marginMs, (token, login) =>
          heldByRedis(t, token, login),
        ),
        random,
        stopped: () => stopped,
      };
      traffic.push(t);
    }
    timeline.begin('1. steady');
    const loads = traffic.map((t, i) =>
      startLoad(t, { users: o.users, verifications: o.verifications }, `${setup}-${o.clients[i]}`),
    );
    const retiring = setInterval(() => {
      for (const t of traffic) t.ledger.retire(performance.now());
    }, 5000);
    await sleep(o.phaseSeconds * 1000);
    const ctx = { topology, groups, timeline, random: faultRandom, holdMs: o.holdSeconds * 1000 };
    let n = 1;
    for (let round = 0; round < o.rounds; round++) {
      for (const fault of FAULTS.filter((f) => f.setups.includes(setup))) {
        let began = performance.now();
        try {
          await fault.run(ctx, (phase) => {
            timeline.begin(`${++n}. ${phase}`);
            console.log(`soak: ${setup}: ${n}. ${phase}`);
            began = performance.now();
          });
        } catch (err) {
          errors.push(`${fault.name}: ${err instanceof Error ? err.message : String(err)}`);
        }
        await sleep(Math.max(0, o.phaseSeconds * 1000 - (performance.now() - began)));
      }
    }
    const end = performance.now();
    stopped = true;
    clearInterval(retiring);
    await Promise.all(loads.map((load) => load.stop()));
    await Promise.all(traffic.map((t) => t.checker.done()));
    for (const t of traffic) for (const crash of t.apps.crashes) t.checker.crashed(crash);
    return {
      setup,
      origin: timeline.origin,
      phases: timeline.phases(end),
      groups: traffic.map((t, i) => ({
        client: o.clients[i]!,
        tallies: t.checker.tallies,
        findings: t.checker.findings,
      })),
      errors,
    };
  } finally {
    stopped = true;
    for (const t of traffic) t.http.close();
    for (const g of groups) {
      await g.stop();
      running.delete(g.stop);
    }
    await topology.stop();
    running.delete(topology.stop);
  }
}

const command = `npm run soak -- ${process.argv.slice(2).join(' ')}`.trim();
const header = [
  `## Soak run: \`${command}\``,
  '',
  `Seed ${options.seed} (\`--seed=${options.seed}\` repeats the fault lengths and choices). ` +
    `Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}). ` +
    `${options.clients.length} client(s) × ${options.apps} app processes on each set-up, side by side, ` +
    `${options.users} virtual users each; phases of at least ${options.phaseSeconds} s, ${options.rounds} round(s). ` +
    `A revoked token counts when a request sent more than ${options.stalenessMs} ms (staleness) + ` +
    `${options.marginMs} ms (margin) after Redis held its revocation was answered 2xx.`,
];
console.log(header.join('\n'));

// Every set-up's servers start at once, and are up a near cache's hold (20 s) before any load: a near
// cache keeps nothing read from a log whose server is younger (it may have lost entries still due).
const topologies = new Map(
  options.setups.map((setup) => {
    const starting = startTopology(setup).then(async (topology) => {
      running.add(topology.stop);
      return topology;
    });
    // A failed start is the set-up's own error, reported when its turn comes.
    starting.catch(() => undefined);
    return [setup, starting] as const;
  }),
);
await Promise.allSettled(topologies.values());
await new Promise((resolve) => setTimeout(resolve, HOLD_MS));

const results: SetupResult[] = [];
for (const setup of options.setups) {
  const started = performance.now();
  try {
    results.push(await runSetup(setup, options, topologies.get(setup) as Promise<Topology>));
  } catch (err) {
    results.push({
      setup,
      origin: 0,
      phases: [],
      groups: [],
      errors: [err instanceof Error ? err.message : String(err)],
    });
  }
  console.log(`soak: ${setup} done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
const { text, held } = report(results, header);
writeFileSync(options.out, text);
const samples = options.out.replace(/(\.md)?$/, '.json');
writeFileSync(samples, `${JSON.stringify(details(results), null, 1)}\n`);
console.log(`\n${text}\nsoak: report written to ${options.out}, samples of every finding to ${samples}`);
const harnessFailed = results.some((r) => r.errors.length > 0);
process.exitCode = held ? 0 : options.reportOnly && !harnessFailed ? 0 : harnessFailed ? 2 : 1;
