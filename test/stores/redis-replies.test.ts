// The replies redisStore reads, on every client and protocol: the log is read through a script, whose
// tables come back as nested arrays everywhere (XREAD itself differs: ioredis 6.0.0 on RESP3 flattened
// it, node-redis on RESP3 answers an object); on real servers, a check that every client kind answers so.
import { Redis as Redis6 } from 'ioredis6';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandOf } from '../../src/stores/redis-client.js';
import { entriesOf } from '../../src/stores/revocation-log-entries.js';
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
  ['1-1', ['k', 's', 's', 'user-1']],
  ['1-2', ['k', 'r', 'i', 'jti:a', 'u', '200']],
];

describe('the revocation log’s entries, as its read script returns them', () => {
  it('a script table of entries: nested arrays, whichever client and protocol', () => {
    expect(entriesOf(ENTRIES)).toEqual(ENTRIES);
    expect(entriesOf([])).toEqual([]);
  });

  // Read as "nothing new", any of these would keep a cache trusted that missed a revocation.
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'OK'],
    ['a number', 0],
    ['an object', { 'jwt-gate:{log}': ENTRIES }],
    ['a Map', new Map([['jwt-gate:{log}', ENTRIES]])],
    ['an entry without fields', [['1-1']]],
    ['an entry whose id is not a string', [[1, ['k', 's']]]],
    ['an entry whose fields are not a list', [['1-1', 'k']]],
    ['an entry with a field that is not a string', [['1-1', ['k', null]]]],
    ['an error object', new Error('LOADING')],
  ])('fails closed on %s', (_shape, reply) => {
    expect(() => entriesOf(reply)).toThrow(/unexpected/);
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

describe.runIf(runRedis).each(kinds)('%s answers as the store reads it', (kind) => {
  it('its protocol, then HMGET, MGET, GET and the scripts’ integers, ids, nils and tables', async () => {
    const send = commandOf(await clients.connect(kind));
    const p = `replies-${process.pid}-${run}-${kind.replace(/\W+/g, '-')}:`;
    const log = `${p}{log}`;
    const subject = `${p}{sub:user-1}`;
    expect(helloProto(await send(log, ['HELLO']))).toBe(protocolOf(kind));
    await send(subject, ['HSET', subject, 'g', '2', 'i:jti:a', '1234']);
    expect(await send(subject, ['HMGET', subject, 'g', 'n', 'i:jti:a'])).toEqual(['2', null, '1234']);
    expect(await send(`${subject}:nb`, ['MGET', `${subject}:nb`, `${subject}:id:jti:a`])).toEqual([
      null,
      null,
    ]);
    expect(await send(`${p}id:x`, ['GET', `${p}id:x`])).toBeNull();
    // What the store's scripts return: an integer, a stream id, nil, and the log reader's table.
    expect(await send(subject, ['EVAL', 'return -1', '1', subject])).toBe(-1);
    for (const [entryId, fields] of ENTRIES as [string, string[]][])
      expect(
        await send(log, [
          'EVAL',
          "return redis.call('XADD', KEYS[1], ARGV[1], unpack(ARGV, 2))",
          '1',
          log,
          entryId,
          ...fields,
        ]),
      ).toBe(entryId);
    expect(await send(subject, ['EVAL', 'return nil', '1', subject])).toBeNull();
    const table = await send(log, [
      'EVAL',
      "return {'id', redis.call('XRANGE', KEYS[1], '-', '+')}",
      '1',
      log,
    ]);
    expect(table).toEqual(['id', ENTRIES]);
    expect(entriesOf((table as unknown[])[1])).toEqual(ENTRIES);
    await send(log, ['DEL', log]);
    await send(subject, ['DEL', subject]);
  });
});

describe.runIf(runRedis)("ioredis 6 with replyMapping: 'resp3'", () => {
  it('answers the log reader’s table as nested arrays too', async () => {
    const url = new URL(server.url);
    const client = new Redis6({ host: url.hostname, port: Number(url.port), replyMapping: 'resp3' });
    try {
      const send = commandOf(client);
      const log = `replies-${process.pid}-${run}-mapping:{log}`;
      for (const [entryId, fields] of ENTRIES as [string, string[]][])
        await send(log, ['XADD', log, entryId, ...fields]);
      const table = await send(log, [
        'EVAL',
        "return {'id', redis.call('XRANGE', KEYS[1], '-', '+')}",
        '1',
        log,
      ]);
      expect(entriesOf((table as unknown[])[1])).toEqual(ENTRIES);
      await send(log, ['DEL', log]);
    } finally {
      client.disconnect();
    }
  });
});
