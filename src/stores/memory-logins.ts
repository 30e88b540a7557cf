import { loginId, loginOf } from '../jws/login-id.js';
import { LOGIN, isLive, type Entry, type LoginDetail, type Subject } from './memory-entry.js';
import type { AddedLogin, LoginStore, NewLogin, StoredLogin } from './store.js';

/** What memoryStore lends its logins' records. */
export interface MemoryState {
  readonly maxPerSubject: number;
  /** The store's clock, in seconds. */
  now(): number;
  subject(sub: string): Subject | undefined;
  /** Writes `entry` in place of `replacing`, once there is room. */
  add(entry: Entry, replacing: Entry | undefined, t: number): void;
  drop(entry: Entry): void;
  /** The store-wide floor: tokens issued before it are refused. */
  floor(): number | undefined;
}

const detailOf = (entry: Entry): LoginDetail => entry.login as LoginDetail;

// The idlest first; a tie by sid, as redisStore breaks it.
const idlestFirst = (a: Entry, b: Entry): number =>
  detailOf(a).lastActiveAt - detailOf(b).lastActiveAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function loginEntry(sub: string, sid: string, until: number, t: number, login: LoginDetail): Entry {
  return { kind: LOGIN, id: sid, sub, until, written: t, count: 0, notBefore: 0, login };
}

/** The records of logins of a memoryStore, kept among its entries: they count against its `max`. */
export function memoryLogins(state: MemoryState): LoginStore {
  const generationOf = (subject: Subject | undefined, t: number): number =>
    isLive(subject?.cut, t) ? subject.cut.count : 0;

  // The live records of `sub`; those past their end, cut, or refused by the floor go on the way.
  function live(sub: string, t: number): Entry[] {
    const subject = state.subject(sub);
    if (subject?.logins === undefined) return [];
    const generation = generationOf(subject, t);
    const floor = state.floor();
    const kept: Entry[] = [];
    for (const entry of [...subject.logins.values()]) {
      const { end, lastActiveAt } = detailOf(entry);
      // Its last tokens were issued at its last activity: a floor above that refuses them all.
      const floored = floor !== undefined && lastActiveAt < floor;
      if (end <= t || (loginOf(entry.id)?.generation ?? 0) < generation || floored) state.drop(entry);
      else kept.push(entry);
    }
    return kept;
  }

  return {
    async addLogin(sub: string, login: NewLogin): Promise<AddedLogin> {
      const t = state.now();
      const records = live(sub, t);
      if (records.length >= state.maxPerSubject)
        return {
          full: records
            .sort(idlestFirst)
            .slice(0, records.length - state.maxPerSubject + 1)
            .map((entry) => entry.id),
        };
      const subject = state.subject(sub);
      const generation = generationOf(subject, t);
      const sid = loginId(login.id, login.end, generation);
      const { at, end, meta } = login;
      const detail = { signedInAt: at, lastActiveAt: at, end, meta };
      state.add(loginEntry(sub, sid, login.until, t, detail), subject?.logins?.get(sid), t);
      return { generation, floor: state.floor() };
    },
    async touchLogin(sub: string, sid: string, at: number): Promise<void> {
      const t = state.now();
      const entry = state.subject(sub)?.logins?.get(sid);
      if (!isLive(entry, t) || at <= detailOf(entry).lastActiveAt) return;
      // Written again: the record moves to the back of the write order, where a full store drops last.
      state.add(loginEntry(sub, sid, entry.until, t, { ...detailOf(entry), lastActiveAt: at }), entry, t);
    },
    async logins(sub: string): Promise<readonly StoredLogin[]> {
      return live(sub, state.now()).map((entry) => {
        const { signedInAt, lastActiveAt, meta } = detailOf(entry);
        return { sid: entry.id, signedInAt, lastActiveAt, meta };
      });
    },
  };
}
