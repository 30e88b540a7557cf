import type { StoreEvent } from './store.js';
import type { Change, NearCache } from './near-cache.js';
import { APPEND, READ, START_OVER, changeOf, entriesOf, fieldsOf, msOf } from './revocation-log-entries.js';
import type { Send } from './redis-client.js';

// Entries older than this are trimmed from the log; a process that fell further behind starts over.
const KEEP_MS = 60_000;
const CATCH_UP_MS = KEEP_MS / 2;
// A process that has not asked for a while stops reading the log, and starts over when asked again.
const IDLE_MS = 10_000;
const BATCH = 1000;
// At a start-over, at most this many entries are put on hold; past it the cache is distrusted instead.
const REPLAY = 10_000;
// A log that has not been read for this long is reported: every request is then asking Redis.
const REPORT_AFTER_MS = 1000;

/** How long after its log entry a write may still reach Redis: later, it does nothing (see redis-scripts.ts). */
export const LATE_MS: number = 10_000;
/**
 * How long a process keeps a subject on hold after reading its entry: a write may land up to LATE_MS
 * after its entry by the clock of the node holding the subject, which may differ from the log's node.
 */
export const HOLD_MS: number = 2 * LATE_MS;

/**
 * A Redis stream of every revocation, written before the revocation itself, which every process
 * reads every `staleness / 2` ms to keep its near cache current. A read covers every entry written
 * before it was sent, so the cache is current as of the last read: trusted while that is at most
 * `staleness` ms ago, and never otherwise. A read that fails, finds the last entry it read gone, or
 * finds another server answering (a failover, a restart) starts over: the cache is emptied and the
 * entries of the last HOLD_MS are put on hold again.
 */
export class RevocationLog {
  readonly #send: Send;
  readonly #key: string;
  readonly #cache: NearCache | undefined;
  readonly #staleness: number;
  readonly #watchers = new Set<(event: StoreEvent) => void>();
  /** The last entry applied; `undefined`: start over. */
  #lastId: string | undefined;
  /** The identity of the server that answered the last read. */
  #server: unknown;
  /** Monotonic ms: when the last read that reached the end of the log was sent. */
  #currentAsOf = -Infinity;
  #lastUse = -Infinity;
  #failingSince: number | undefined;
  #reported = false;
  #timer: NodeJS.Timeout | undefined;
  #reading = false;
  #closed = false;

  constructor(send: Send, key: string, cache: NearCache | undefined, staleness: number) {
    this.#send = send;
    this.#key = key;
    this.#cache = cache;
    this.#staleness = staleness;
  }

  /** Writes `change` to the log; resolves to the entry's time by Redis's clock (ms). This process learns it at once. */
  async append(change: Change): Promise<number> {
    this.#cache?.apply(change, performance.now());
    const id = await this.#send(this.#key, [
      'EVAL',
      APPEND,
      '1',
      this.#key,
      String(KEEP_MS),
      ...fieldsOf(change),
    ]);
    const ms = typeof id === 'string' ? msOf(id) : Number.NaN;
    if (!Number.isSafeInteger(ms)) throw new Error('jwt-gate: Redis answered XADD with an unexpected reply');
    // Again once written: a read that began before the entry existed must not fill the cache after it.
    this.#cache?.apply(change, performance.now());
    return ms;
  }

  /** Whether the near cache may answer now; asking keeps the log being read. */
  current(monotonic: number): boolean {
    this.#lastUse = monotonic;
    if (this.#timer === undefined && !this.#reading && !this.#closed) this.#schedule(0);
    // Closed is never current: a read sent before close() may still answer after it.
    return !this.#closed && monotonic - this.#currentAsOf <= this.#staleness;
  }

  watch(listener: (event: StoreEvent) => void): void {
    this.#watchers.add(listener);
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
      this.#answered();
    } catch (err) {
      // Whatever was missed meanwhile is unknown: the next read starts over rather than catch up.
      this.#lastId = undefined;
      this.#failed(err, sentAt);
    } finally {
      this.#reading = false;
    }
    if (this.#closed) return;
    if (performance.now() - this.#lastUse > IDLE_MS) this.#lastId = undefined;
    else this.#schedule(more ? 0 : this.#staleness / 2);
  }

  async #startOver(sentAt: number): Promise<void> {
    const reply = await this.#send(this.#key, [
      'EVAL',
      START_OVER,
      '1',
      this.#key,
      String(HOLD_MS),
      String(REPLAY),
    ]);
    if (!Array.isArray(reply) || reply.length !== 4 || typeof reply[2] !== 'string')
      throw new Error('jwt-gate: the revocation log answered with an unexpected reply');
    const [server, uptime, lastId, window] = reply as [unknown, unknown, string, unknown];
    const entries = entriesOf(window);
    const cache = this.#cache;
    if (cache !== undefined) {
      cache.clear();
      const now = performance.now();
      // Another server than before may have lost entries whose writes are still on their way: nothing
      // read is kept until those writes are due. A process that knew no server before cannot tell,
      // but a server up longer than that lost nothing still due.
      const up = Number(uptime) * 1000;
      if ((this.#server !== undefined && server !== this.#server) || entries.length >= REPLAY)
        cache.distrust(now);
      else if (!(up >= HOLD_MS)) cache.distrust(now, Number.isFinite(up) ? HOLD_MS - up : HOLD_MS);
      // The entries of the window go on hold again: their writes may still be on their way.
      for (const [, fields] of entries) this.#apply(fields);
    }
    this.#server = server;
    this.#lastId = lastId;
    this.#currentAsOf = sentAt;
  }

  async #catchUp(sentAt: number): Promise<boolean> {
    const reply = await this.#send(this.#key, [
      'EVAL',
      READ,
      '1',
      this.#key,
      this.#lastId as string,
      String(BATCH),
    ]);
    if (!Array.isArray(reply) || reply.length !== 2)
      throw new Error('jwt-gate: the revocation log answered with an unexpected reply');
    // Another server: start over. The last entry read trimmed away (a quiet log, an entry over a minute
    // old): start over too, though nothing unread can have gone with it (unread entries are younger).
    if (reply[0] !== this.#server || reply[1] === 'gone') {
      await this.#startOver(sentAt);
      return false;
    }
    const entries = entriesOf(reply[1]);
    for (const [id, fields] of entries) {
      this.#apply(fields);
      this.#lastId = id;
    }
    this.#cache?.prune(performance.now());
    if (entries.length === BATCH) return true;
    this.#currentAsOf = sentAt;
    return false;
  }

  #apply(fields: readonly string[]): void {
    const change = changeOf(fields);
    const now = performance.now();
    // An entry this version cannot read may be a revocation of anything: trust nothing for a while.
    if (change === undefined) this.#cache?.distrust(now);
    else this.#cache?.apply(change, now);
  }

  #failed(error: unknown, sentAt: number): void {
    this.#failingSince ??= sentAt;
    if (this.#reported || performance.now() - this.#failingSince < REPORT_AFTER_MS) return;
    this.#reported = true;
    for (const watcher of this.#watchers) watcher({ type: 'near-cache-unavailable', error });
  }

  #answered(): void {
    this.#failingSince = undefined;
    if (!this.#reported) return;
    this.#reported = false;
    for (const watcher of this.#watchers) watcher({ type: 'near-cache-recovered' });
  }
}
