import type { Change, NearCache } from './near-cache.js';
import { streamEntries, type Send } from './redis-client.js';

// Entries older than this are trimmed from the log; a process that fell further behind starts over.
const KEEP_MS = 60_000;
const CATCH_UP_MS = KEEP_MS / 2;
// A process that has not asked for a while stops reading the log, and starts over when asked again.
const IDLE_MS = 10_000;
const BATCH = 1000;

// Trims by Redis's own clock, as the entry ids are: an app server whose clock runs ahead must not
// trim entries other processes have yet to read.
const APPEND = `local time = redis.call('TIME')
local oldest = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) - tonumber(ARGV[1])
return redis.call('XADD', KEYS[1], 'MINID', '~', string.format('%d-0', oldest), '*', unpack(ARGV, 2))`;

function fieldsOf(change: Change): string[] {
  if (change.kind === 'subject') return ['k', 's', 's', change.sub, 'n', String(change.notBefore)];
  return [
    'k',
    'r',
    'i',
    change.id,
    'u',
    String(change.until),
    ...(change.sub === undefined ? [] : ['s', change.sub]),
  ];
}

function changeOf(fields: readonly string[]): Change | undefined {
  const field = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) field.set(fields[i] as string, fields[i + 1] as string);
  const sub = field.get('s');
  if (field.get('k') === 's' && sub !== undefined) {
    const notBefore = Number(field.get('n'));
    return Number.isFinite(notBefore) ? { kind: 'subject', sub, notBefore } : undefined;
  }
  const id = field.get('i');
  const until = Number(field.get('u'));
  return field.get('k') === 'r' && id !== undefined && !Number.isNaN(until)
    ? { kind: 'revoke', id, sub, until }
    : undefined;
}

/**
 * A Redis stream of every revocation, which every process reads every `staleness / 2` ms to keep its
 * near cache current. A read covers every change written before it was sent, so the cache is current
 * as of the last read: trusted while that is at most `staleness` ms ago, and never otherwise.
 */
export class RevocationLog {
  readonly #send: Send;
  readonly #key: string;
  readonly #cache: NearCache;
  readonly #staleness: number;
  /** The last entry applied; `undefined`: start over from the end, with an empty cache. */
  #lastId: string | undefined;
  /** Monotonic ms: when the last read that reached the end of the log was sent. */
  #currentAsOf = -Infinity;
  #lastUse = -Infinity;
  #timer: NodeJS.Timeout | undefined;
  #reading = false;
  #closed = false;

  constructor(send: Send, key: string, cache: NearCache, staleness: number) {
    this.#send = send;
    this.#key = key;
    this.#cache = cache;
    this.#staleness = staleness;
  }

  /** Writes `change` to the log; this process's own cache learns it at once. */
  append(change: Change): Promise<unknown> {
    this.#cache.apply(change);
    return this.#send(this.#key, ['EVAL', APPEND, '1', this.#key, String(KEEP_MS), ...fieldsOf(change)]);
  }

  /** Whether the near cache may answer now; asking keeps the log being read. */
  current(monotonic: number): boolean {
    this.#lastUse = monotonic;
    if (this.#timer === undefined && !this.#reading && !this.#closed) this.#schedule(0);
    // Closed is never current: a read sent before close() may still answer after it.
    return !this.#closed && monotonic - this.#currentAsOf <= this.#staleness;
  }

  /** Stops reading; the cache is no longer trusted. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#currentAsOf = -Infinity;
  }

  #schedule(delay: number): void {
    this.#timer = setTimeout(() => void this.#read(), delay);
    // Reading the log never keeps the process alive.
    this.#timer.unref();
  }

  async #read(): Promise<void> {
    this.#timer = undefined;
    this.#reading = true;
    const sentAt = performance.now();
    let more = false;
    try {
      if (this.#lastId === undefined || sentAt - this.#currentAsOf > CATCH_UP_MS)
        await this.#startOver(sentAt);
      else more = await this.#catchUp(sentAt);
    } catch {
      // The cache ages out of trust; the next read catches up, or starts over after a long gap.
    } finally {
      this.#reading = false;
    }
    if (this.#closed) return;
    if (performance.now() - this.#lastUse > IDLE_MS) this.#lastId = undefined;
    else this.#schedule(more ? 0 : this.#staleness / 2);
  }

  // After a gap the log may have lost entries: forget everything and follow from its end.
  async #startOver(sentAt: number): Promise<void> {
    const reply = await this.#send(this.#key, ['XREVRANGE', this.#key, '+', '-', 'COUNT', '1']);
    const last: unknown = Array.isArray(reply) && Array.isArray(reply[0]) ? reply[0][0] : undefined;
    this.#cache.clear();
    this.#lastId = typeof last === 'string' ? last : '0-0';
    this.#currentAsOf = sentAt;
  }

  async #catchUp(sentAt: number): Promise<boolean> {
    const entries = streamEntries(
      await this.#send(this.#key, [
        'XREAD',
        'COUNT',
        String(BATCH),
        'STREAMS',
        this.#key,
        this.#lastId as string,
      ]),
    );
    for (const [id, fields] of entries) {
      const change = changeOf(fields);
      // An entry this version cannot read may be a revocation: trust nothing that could be stale.
      if (change === undefined) this.#cache.clear();
      else this.#cache.apply(change);
      this.#lastId = id;
    }
    if (entries.length === BATCH) return true;
    this.#currentAsOf = sentAt;
    return false;
  }
}
