// The replies redisStore reads, in every shape the clients give them: literal replies as each client
// and protocol answered them (printed from the real clients), and, on real servers, a check that every
// client kind still answers exactly those, so the literals cannot drift from what the clients do.
import { Redis as Redis6 } from 'ioredis6';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandOf, streamEntries } from '../../src/stores/redis-client.js';
import {
  CLUSTER_KINDS,
  SENTINEL_KINDS,
  SINGLE_KINDS,
  redisClients,
  type ClientKind,
} from './redis-clients.js';
import {
  redisAvailable,
  redisSentinel,
  runRedis,
  sharedRedisCluster,
  sharedRedisServer,
} from './redis-server.js';

const ENTRIES = [
  ['1-1', ['k', 's', 's', 'user-1', 'n', '100']],
  ['1-2', ['k', 'r', 'i', 'jti:a', 'u', '200']],
];
/** XREAD's reply for one stream with two entries, by shape. */
const XREAD = {
  // RESP2 everywhere (ioredis 5; ioredis 6 and node-redis told to speak it), and ioredis 6.1+ on RESP3.
  nested: (stream: string): unknown => [[stream, ENTRIES]],
  // ioredis 6.0.0 on RESP3 (its default): the RESP3 map flattened, for a command sent through call().
  flat: (stream: string): unknown => [stream, ENTRIES],
  // node-redis on RESP3 (node-redis 6's default), and ioredis 6 with replyMapping: 'resp3'.
  object: (stream: string): unknown => ({ [stream]: ENTRIES }),
};

describe('streamEntries: every shape of an XREAD reply', () => {
  const expected = [
    ['1-1', ['k', 's', 's', 'user-1', 'n', '100']],
    ['1-2', ['k', 'r', 'i', 'jti:a', 'u', '200']],
  ];
  it.each([
    ['[[stream, entries]] (RESP2; ioredis 6.1+ on RESP3)', XREAD.nested('jwt-gate:{log}')],
    ['[stream, entries] (ioredis 6.0.0 on RESP3)', XREAD.flat('jwt-gate:{log}')],
    ['{ stream: entries } (node-redis RESP3; ioredis replyMapping resp3)', XREAD.object('jwt-gate:{log}')],
    [
      'a Map of stream to entries (a client mapping RESP3 maps to Map)',
      new Map([['jwt-gate:{log}', ENTRIES]]),
    ],
  ])('%s', (_shape, reply) => {
    expect(streamEntries(reply)).toEqual(expected);
  });

  it('null, which every client answers when the log has nothing new, is no entries', () => {
    expect(streamEntries(null)).toEqual([]);
  });

  // Read as "nothing new", any of these would keep a cache trusted that missed a revocation.
  it.each([
    ['undefined', undefined],
    ['a string', 'OK'],
    ['a number', 0],
    ['an empty array', []],
    ['an empty object', {}],
    ['two streams, nested', [...(XREAD.nested('a') as unknown[]), ...(XREAD.nested('b') as unknown[])]],
    ['two streams, flat', [...(XREAD.flat('a') as unknown[]), ...(XREAD.flat('b') as unknown[])]],
    ['two streams, as an object', { a: ENTRIES, b: ENTRIES }],
    ['a stream without its entries, flat', ['jwt-gate:{log}']],
    ['a stream without its entries, nested', [['jwt-gate:{log}']]],
    ['entries that are not a list', [['jwt-gate:{log}', 'entries']]],
    ['an entry without fields', [['jwt-gate:{log}', [['1-1']]]]],
    ['an entry whose id is not a string', [['jwt-gate:{log}', [[1, ['k', 's']]]]]],
    ['an entry whose fields are not a list', [['jwt-gate:{log}', [['1-1', 'k']]]]],
    ['an entry with a field that is not a string', [['jwt-gate:{log}', [['1-1', ['k', null]]]]]],
    ['an error object', new Error('LOADING')],
  ])('fails closed on %s', (_shape, reply) => {
    expect(() => streamEntries(reply)).toThrow(/unexpected/);
  });
});

const server = sharedRedisServer();
const cluster = sharedRedisCluster();
// No environment variable names a Sentinel: the tests start their own wherever redis-server is.
const sentinel = redisSentinel();
const runSentinel = redisAvailable || Boolean(process.env.CI);
const clients = redisClients({ server, cluster, sentinel });
beforeAll(async () => {
  if (runRedis) await Promise.all([server.start(), cluster.start()]);
  if (runSentinel) await sentinel.start();
}, 60_000);
afterAll(async () => {
  await clients.closeAll();
  if (runRedis) await Promise.all([server.stop(), cluster.stop()]);
  if (runSentinel) await sentinel.stop();
});

const shapeOf = (kind: ClientKind): keyof typeof XREAD =>
  kind.startsWith('ioredis 6.0.0')
    ? 'flat'
    : kind.startsWith('node-redis') && !kind.endsWith('RESP2')
      ? 'object'
      : 'nested';
// node-redis 6 and ioredis 6 speak RESP3 unless told otherwise; ioredis 5 only RESP2.
const protocolOf = (kind: ClientKind): 2 | 3 =>
  kind.endsWith('RESP2') || (kind.startsWith('ioredis') && !kind.startsWith('ioredis 6')) ? 2 : 3;
/** `proto` of a HELLO reply (no arguments: the connection's own), as a flat list, an object or a Map. */
const helloProto = (hello: unknown): unknown =>
  hello instanceof Map
    ? hello.get('proto')
    : Array.isArray(hello)
      ? hello[hello.indexOf('proto') + 1]
      : (hello as Record<string, unknown>).proto;
const kinds: readonly ClientKind[] = [
  ...SINGLE_KINDS,
  ...CLUSTER_KINDS,
  ...(runSentinel ? SENTINEL_KINDS : []),
];
const run = Math.random().toString(36).slice(2, 8);

describe.runIf(runRedis).each(kinds)('%s answers as the literals say', (kind) => {
  it('its protocol, then XREAD, XREVRANGE, MGET, SET NX and EVAL', async () => {
    const send = commandOf(await clients.connect(kind));
    const p = `replies-${process.pid}-${run}-${kind.replace(/\W+/g, '-')}:`;
    const log = `${p}{log}`;
    expect(helloProto(await send(log, ['HELLO']))).toBe(protocolOf(kind));
    const [nb, id, used] = [`${p}{sub:user-1}:nb`, `${p}{sub:user-1}:id:jti:a`, `${p}{sub:user-1}:used:rt`];
    for (const [entryId, fields] of ENTRIES as [string, string[]][])
      expect(await send(log, ['XADD', log, entryId, ...fields])).toBe(entryId);

    const reply = await send(log, ['XREAD', 'COUNT', '1000', 'STREAMS', log, '0-0']);
    expect(reply).toEqual(XREAD[shapeOf(kind)](log));
    expect(streamEntries(reply)).toEqual(ENTRIES);
    expect(await send(log, ['XREAD', 'COUNT', '1000', 'STREAMS', log, '1-2'])).toBeNull();
    expect(await send(log, ['XREVRANGE', log, '+', '-', 'COUNT', '1'])).toEqual([ENTRIES[1]]);

    await send(nb, ['SET', nb, '1234']);
    expect(await send(nb, ['MGET', nb, id])).toEqual(['1234', null]);
    expect(await send(used, ['SET', used, '1', 'NX', 'EX', '60'])).toBe('OK');
    expect(await send(used, ['SET', used, '1', 'NX', 'EX', '60'])).toBeNull();
    // What the store's scripts return: an integer, a stream id, and nil.
    expect(await send(nb, ['EVAL', 'return 1', '1', nb])).toBe(1);
    expect(await send(log, ['EVAL', "return redis.call('XADD', KEYS[1], '1-3', 'k', 'x')", '1', log])).toBe(
      '1-3',
    );
    expect(await send(nb, ['EVAL', 'return nil', '1', nb])).toBeNull();
    await send(log, ['DEL', log]);
    await send(nb, ['DEL', nb, used]);
  });
});

describe.runIf(runRedis)("ioredis 6 with replyMapping: 'resp3'", () => {
  it('answers XREAD as an object, as node-redis does on RESP3', async () => {
    const url = new URL(server.url);
    const client = new Redis6({ host: url.hostname, port: Number(url.port), replyMapping: 'resp3' });
    try {
      const send = commandOf(client);
      const log = `replies-${process.pid}-${run}-mapping:{log}`;
      for (const [entryId, fields] of ENTRIES as [string, string[]][])
        await send(log, ['XADD', log, entryId, ...fields]);
      const reply = await send(log, ['XREAD', 'COUNT', '1000', 'STREAMS', log, '0-0']);
      expect(reply).toEqual(XREAD.object(log));
      expect(streamEntries(reply)).toEqual(ENTRIES);
      await send(log, ['DEL', log]);
    } finally {
      client.disconnect();
    }
  });
});
