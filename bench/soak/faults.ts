import type { AppGroup } from './apps.js';
import { cli, info, waitFor, type RedisProcess } from './redis-process.js';
import type { Timeline } from './timeline.js';
import { DOWN_AFTER_MS, type SetupName, type Topology } from './topology.js';

export interface FaultContext {
  readonly topology: Topology;
  readonly groups: readonly AppGroup[];
  readonly timeline: Timeline;
  readonly random: () => number;
  /** How long the clock stays offset, and a `maxmemory` limit holds, in ms. */
  readonly holdMs: number;
}

/** A fault: it names its phase (`begin`), does its harm, and resolves once the set-up has recovered. */
export interface Fault {
  readonly name: string;
  readonly setups: readonly SetupName[];
  run(ctx: FaultContext, begin: (phase: string) => void): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
// Every client group's revocation log: the hash tag {log} puts them in one slot.
const LOG_KEY = 'soak:{log}';
const CLOCK_OFFSET_MS = 20_000;

// How a phase names the node it hits.
async function target(ctx: FaultContext): Promise<{ p: RedisProcess; label: string }> {
  if (ctx.topology.setup === 'cluster') {
    const p = await ctx.topology.masterOf(LOG_KEY);
    return { p, label: `${p.name} (the log's master)` };
  }
  const p = await ctx.topology.primary();
  return { p, label: ctx.topology.setup === 'sentinel' ? `the primary (${p.name})` : p.name };
}

async function restart(p: RedisProcess, empty: boolean, ctx: FaultContext): Promise<void> {
  // What it held is gone from the kill on (SIGKILL goes out as kill() starts): a request answered after
  // it may have met the empty node.
  const slots = await ctx.topology.slotsOf(p);
  const at = performance.now();
  await p.kill();
  if (empty) {
    ctx.timeline.restartedEmpty(at, performance.now(), slots);
    p.forgetData();
  }
  await sleep(500);
  await p.start();
}

const clusterOk = (ctx: FaultContext): Promise<void> =>
  waitFor('cluster_state:ok after the fault', async () =>
    (await Promise.all(ctx.topology.servers.map((m) => cli(m.port, 'CLUSTER', 'INFO')))).every((i) =>
      i.includes('cluster_state:ok'),
    ),
  );

/** Every fault, in the order a set-up meets them. */
export const FAULTS: readonly Fault[] = [
  {
    name: 'SIGSTOP',
    setups: ['single', 'sentinel', 'cluster'],
    async run(ctx, begin) {
      // Below Sentinel's down-after (no failover: that is the partition's case); on a Cluster, the
      // master of the revocation log, while the subjects on the other masters stay served.
      const longest = ctx.topology.setup === 'sentinel' ? DOWN_AFTER_MS - 300 : 2000;
      const ms = 500 + Math.round(ctx.random() * (longest - 500));
      const { p, label } = await target(ctx);
      begin(`SIGSTOP ${label} ${seconds(ms)}`);
      p.signal('SIGSTOP');
      await sleep(ms);
      p.signal('SIGCONT');
    },
  },
  {
    name: 'restart empty',
    setups: ['single'],
    async run(ctx, begin) {
      begin('restart empty (no persistence)');
      await restart(await ctx.topology.primary(), true, ctx);
    },
  },
  {
    name: 'partition primary',
    setups: ['sentinel'],
    async run(ctx, begin) {
      // Cut off until the Sentinels promote a replica, then back: for a while two masters (split brain).
      const old = await ctx.topology.primary();
      begin(`partition the primary (${old.name}): SIGSTOP through the failover`);
      old.signal('SIGSTOP');
      await waitFor('a failover', async () => (await ctx.topology.primary()) !== old, 30);
      old.signal('SIGCONT');
      await waitFor('the old primary a replica again', async () =>
        /role:slave/.test(await cli(old.port, 'INFO', 'replication')),
      );
    },
  },
  {
    name: 'kill primary',
    setups: ['sentinel'],
    async run(ctx, begin) {
      const old = await ctx.topology.primary();
      begin(`kill the primary (${old.name}), restart it after the failover`);
      await old.kill();
      await waitFor('a failover', async () => (await ctx.topology.primary()) !== old, 30);
      await old.start();
      await waitFor('the old primary a replica in sync', async () =>
        /master_link_status:up/.test(await cli(old.port, 'INFO', 'replication')),
      );
    },
  },
  {
    name: 'kill and restart master (AOF)',
    setups: ['cluster'],
    async run(ctx, begin) {
      // A master that does not hold the log: its subjects' revocations must survive (appendfsync always).
      const log = await ctx.topology.masterOf(LOG_KEY);
      const p = ctx.topology.servers.find((m) => m !== log)!;
      begin(`kill and restart ${p.name} (AOF)`);
      await restart(p, false, ctx);
      await clusterOk(ctx);
    },
  },
  {
    name: 'restart master empty',
    setups: ['cluster'],
    async run(ctx, begin) {
      const p = await ctx.topology.masterOf(LOG_KEY);
      begin(`restart ${p.name} empty (the log's master, no persistence)`);
      await restart(p, true, ctx);
      await clusterOk(ctx);
    },
  },
  {
    name: 'maxmemory',
    setups: ['single', 'sentinel', 'cluster'],
    async run(ctx, begin) {
      // Full as docs/many-instances.md advises it to be (noeviction): the next writes get OOM. On a Cluster, the log's master.
      const { p, label } = await target(ctx);
      const used = Number(await info(p.port, 'memory', 'used_memory'));
      begin(`maxmemory reached on ${label} (noeviction) ${seconds(ctx.holdMs)}`);
      await cli(p.port, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      await cli(p.port, 'CONFIG', 'SET', 'maxmemory', String(used + 16 * 1024));
      await sleep(ctx.holdMs);
      await cli(p.port, 'CONFIG', 'SET', 'maxmemory', '0');
    },
  },
  {
    name: 'clock',
    setups: ['single', 'sentinel', 'cluster'],
    async run(ctx, begin) {
      // The last process of each group runs ahead, inside clockTolerance, through its Auth's `now`.
      begin(`clock +${CLOCK_OFFSET_MS / 1000} s on one process ${seconds(ctx.holdMs)}`);
      for (const group of ctx.groups) group.setClock(group.size - 1, CLOCK_OFFSET_MS);
      await sleep(ctx.holdMs);
      for (const group of ctx.groups) group.setClock(group.size - 1, 0);
    },
  },
];
