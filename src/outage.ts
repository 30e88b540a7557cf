import { eventError } from './event-error.js';
import type { EventSink } from './events.js';

/** Turns a dependency's failures and answers into one event when it goes down and one when it comes back. */
export class Outage {
  #down = false;
  readonly #emit: EventSink;
  readonly #downType: 'keys-unavailable' | 'store-unavailable';
  /** Set for the keys of one of several issuers: each has its own outages. */
  readonly #issuer: { readonly issuer?: string };

  constructor(emit: EventSink, downType: 'keys-unavailable' | 'store-unavailable', issuer?: string) {
    this.#emit = emit;
    this.#downType = downType;
    this.#issuer = issuer === undefined ? {} : { issuer };
  }

  failed(error: unknown): void {
    if (this.#down) return;
    this.#down = true;
    // Only the cause's name, message and code: an ioredis error carries the command and its arguments.
    this.#emit({ type: this.#downType, error: eventError(error), ...this.#issuer });
  }

  answered(): void {
    if (!this.#down) return;
    this.#down = false;
    this.#emit(
      this.#downType === 'keys-unavailable'
        ? { type: 'keys-recovered', ...this.#issuer }
        : { type: 'store-recovered' },
    );
  }
}
