import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cli, freePort, redisProcess, waitFor, type RedisProcess } from './redis-process.js';
import type { SlotRange } from './slots.js';

/** The Redis set-ups of the soak. */
export const SETUPS = ['single', 'sentinel', 'cluster'] as const;
export type SetupName = (typeof SETUPS)[number];

export interface Node {
  readonly host: string;
  readonly port: number;
}

/** What an app process connects to, as docs/many-instances.md's rows take it. */
export type Connection =
  | { readonly setup: 'single'; readonly url: string }
  | { readonly setup: 'sentinel'; readonly name: string; readonly sentinels: readonly Node[] }
  | { readonly setup: 'cluster'; readonly nodes: readonly Node[] };

export interface Topology {
  readonly setup: SetupName;
  readonly connection: Connection;
  /** The data nodes: the server; the first primary and its two replicas; the three masters. */
  readonly servers: readonly RedisProcess[];
  /** The master now: the server, or the one the Sentinels name. */
  primary(): Promise<RedisProcess>;
  /** The Cluster master that holds `key`'s slot (any set-up: the master). */
  masterOf(key: string): Promise<RedisProcess>;
  /** The slots a Cluster master serves; `undefined` elsewhere (a node holds every key). */
  slotsOf(p: RedisProcess): Promise<readonly SlotRange[] | undefined>;
  /** redisStore options docs/many-instances.md gives this set-up (the soak's --store-options go over them). */
  readonly storeOptions: Record<string, unknown>;
  stop(): Promise<void>;
}

const SENTINEL_NAME = 'soak';
// Sentinel: a master silent for 1.5 s is down; the failover must finish within 5 s.
export const DOWN_AFTER_MS = 1500;
// Durable Cluster masters: a killed and restarted master keeps every write it acknowledged.
const DURABLE = ['appendonly yes', 'appendfsync always'];
const VOLATILE = ['save ""', 'appendonly no'];

const run = promisify(execFile);

/** Starts a set-up in a temporary folder; `stop()` kills every process it started and removes the folder. */
export async function startTopology(setup: SetupName): Promise<Topology> {
  const root = mkdtempSync(join(tmpdir(), `jwt-gate-soak-${setup}-`));
  const started: RedisProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((p) => p.kill()));
    rmSync(root, { recursive: true, force: true });
  };
  const start = async (name: string, lines: readonly string[], sentinel = false): Promise<RedisProcess> => {
    const p = redisProcess(root, name, await freePort(), lines, sentinel);
    started.push(p);
    await p.start();
    return p;
  };
  try {
    if (setup === 'single') return single(await start('server', VOLATILE), stop);
    if (setup === 'sentinel') return await sentinel(start, stop);
    return await cluster(start, stop);
  } catch (err) {
    await stop();
    throw err;
  }
}

type Start = (name: string, lines: readonly string[], sentinel?: boolean) => Promise<RedisProcess>;

function single(server: RedisProcess, stop: () => Promise<void>): Topology {
  return {
    setup: 'single',
    connection: { setup: 'single', url: `redis://127.0.0.1:${server.port}` },
    servers: [server],
    primary: async () => server,
    masterOf: async () => server,
    slotsOf: async () => undefined,
    storeOptions: {},
    stop,
  };
}

async function sentinel(start: Start, stop: () => Promise<void>): Promise<Topology> {
  // Named by number, not role: a failover makes a replica the primary. As docs/many-instances.md says for a set-up
  // that must not lose an acknowledged revocation: a master cut off from its replicas takes no write.
  const guarded = [...VOLATILE, 'min-replicas-to-write 1', 'min-replicas-max-lag 10'];
  const first = await start('redis-1', guarded);
  const replicaOf = [...guarded, `replicaof 127.0.0.1 ${first.port}`];
  const servers = [first, await start('redis-2', replicaOf), await start('redis-3', replicaOf)];
  await waitFor('two replicas in sync', async () =>
    /connected_slaves:2/.test(await cli(first.port, 'INFO', 'replication')),
  );
  const sentinels: RedisProcess[] = [];
  for (const name of ['sentinel-1', 'sentinel-2', 'sentinel-3']) {
    sentinels.push(
      await start(
        name,
        [
          `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${first.port} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_NAME} ${DOWN_AFTER_MS}`,
          `sentinel failover-timeout ${SENTINEL_NAME} 5000`,
          `sentinel parallel-syncs ${SENTINEL_NAME} 2`,
        ],
        true,
      ),
    );
  }
  // Every Sentinel must know the replicas and the other Sentinels before a failover can be agreed.
  await waitFor('three Sentinels that see each other and both replicas', async () => {
    const views = await Promise.all(sentinels.map((s) => cli(s.port, 'SENTINEL', 'MASTER', SENTINEL_NAME)));
    return views.every((v) => /num-slaves\n2\n/.test(v) && /num-other-sentinels\n2\n/.test(v));
  });
  const primary = async (): Promise<RedisProcess> => {
    for (const s of sentinels) {
      const reply = await cli(s.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_NAME).catch(() => '');
      const port = Number(reply.split('\n')[1]);
      const found = servers.find((p) => p.port === port);
      if (found !== undefined) return found;
    }
    throw new Error('soak: no Sentinel names a master');
  };
  return {
    setup: 'sentinel',
    connection: {
      setup: 'sentinel',
      name: SENTINEL_NAME,
      sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
    },
    servers,
    primary,
    masterOf: primary,
    slotsOf: async () => undefined,
    // A revocation is acknowledged once every replica holds it. One of two is not enough: while Sentinel
    // moves the replicas to the promoted one, the old primary, back from a partition, can still have the
    // other, take a write, get it acknowledged there, and both then drop it (seen in a CI run).
    storeOptions: { durability: { replicas: 2 } },
    stop,
  };
}

async function cluster(start: Start, stop: () => Promise<void>): Promise<Topology> {
  const masters: RedisProcess[] = [];
  for (const name of ['master-1', 'master-2', 'master-3']) {
    const lines = [
      ...DURABLE,
      'cluster-enabled yes',
      'cluster-config-file nodes.conf',
      `cluster-port ${await freePort()}`,
      'cluster-node-timeout 5000',
    ];
    masters.push(await start(name, lines));
  }
  await run(
    'redis-cli',
    [
      '--cluster',
      'create',
      ...masters.map((m) => `127.0.0.1:${m.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ],
    { timeout: 20_000 },
  );
  await waitFor('cluster_state:ok on every master', async () =>
    (await Promise.all(masters.map((m) => cli(m.port, 'CLUSTER', 'INFO')))).every((i) =>
      i.includes('cluster_state:ok'),
    ),
  );
  return {
    setup: 'cluster',
    connection: { setup: 'cluster', nodes: masters.map((m) => ({ host: '127.0.0.1', port: m.port })) },
    servers: masters,
    primary: async () => masters[0]!,
    masterOf: async (key) => {
      const slot = Number(await cli(masters[0]!.port, 'CLUSTER', 'KEYSLOT', key));
      const table = await slotTable(masters);
      const found = masters.find((m) =>
        table.get(m.port)?.some(([low, high]) => slot >= low && slot <= high),
      );
      if (found === undefined) throw new Error(`soak: no master serves the slot of ${key}`);
      return found;
    },
    slotsOf: async (p) => (await slotTable(masters)).get(p.port) ?? [],
    storeOptions: {},
    stop,
  };
}

// CLUSTER NODES, one line a node: "<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slots...>".
async function slotTable(masters: readonly RedisProcess[]): Promise<Map<number, SlotRange[]>> {
  let text = '';
  for (const m of masters) {
    text = await cli(m.port, 'CLUSTER', 'NODES').catch(() => '');
    if (text !== '') break;
  }
  const table = new Map<number, SlotRange[]>();
  for (const line of text.split('\n')) {
    const [, address, flags, , , , , , ...ranges] = line.split(' ');
    if (flags?.includes('master') !== true) continue;
    const port = Number(address?.split('@')[0]?.split(':')[1]);
    table.set(
      port,
      ranges
        .filter((range) => !range.startsWith('['))
        .map((range): SlotRange => {
          const [low = 0, high = low] = range.split('-').map(Number);
          return [low, high];
        }),
    );
  }
  return table;
}
