import type { Outage } from '../outage.js';
import type { SessionStore } from './store.js';

/** How the core reaches the session store: what `createAuth` resolved of `store` and `failOpen`. */
export interface StoreSettings {
  /** `undefined` for `store: false`. */
  readonly store: SessionStore | undefined;
  /** Let requests through when the store cannot answer, instead of a 503. */
  readonly failOpen: boolean;
  /** Hears the store's failures and recoveries; `undefined` when nobody listens. */
  readonly storeOutage: Outage | undefined;
}
