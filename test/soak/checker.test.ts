// The soak's invariant checker (bench/soak): its rules on made-up timelines, no servers, no timers.
import { describe, expect, it } from 'vitest';
import { Checker } from '../../bench/soak/checker.js';
import { CLASSES } from '../../bench/soak/findings.js';
import type { Answer } from '../../bench/soak/http.js';
import { Ledger, type Login } from '../../bench/soak/ledger.js';
import { keySlot, subjectSlot } from '../../bench/soak/slots.js';
import { Timeline } from '../../bench/soak/timeline.js';

// Every time below is `base + ms`, in the past of the monotonic clock, as the run's would be.
const base = performance.now() - 60_000;
const BOUND = 150;

const token = (claims: Record<string, unknown>): string =>
  `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.x`;

function answer(sentMs: number, status = 200, code?: string): Answer & { process: number } {
  return {
    status,
    code,
    body: undefined,
    cookies: new Map(),
    sentAt: base + sentMs,
    answeredAt: base + sentMs + 5,
    process: 1,
  };
}

function setUp(redisSays: boolean | undefined = true) {
  const timeline = new Timeline();
  timeline.begin('steady', base);
  timeline.begin('fault', base + 1000);
  const ledger = new Ledger(600_000);
  const asked: { token: string; login: boolean }[] = [];
  const checker = new Checker(timeline, ledger, BOUND, async (t, login) => {
    asked.push({ token: t, login });
    return redisSays;
  });
  let n = 0;
  const signIn = (sentMs: number, sub = 'user-1'): Login => {
    n++;
    const claims = { sub, sid: `sid-${n}`, iat: 1 };
    return ledger.signedIn(
      token({ ...claims, jti: `a${n}` }),
      token({ ...claims, jti: `r${n}` }),
      base + sentMs,
      base + sentMs + 10,
    );
  };
  const tally = (phase: string) => checker.tallies.get(phase);
  return { timeline, ledger, checker, asked, signIn, tally };
}

describe('soak checker: revoked tokens', () => {
  it('counts a 2xx sent more than staleness + margin after Redis held the revocation, in the phase that held it', async () => {
    const { ledger, checker, asked, signIn, tally } = setUp(true);
    const login = signIn(0);
    ledger.held(login, base + 1100, 'sign-out');
    await checker.accepted(login, { ...answer(1100 + BOUND), route: 'GET /me', token: login.access });
    await checker.accepted(login, { ...answer(1100 + BOUND + 40), route: 'GET /me', token: login.access });
    await checker.done();
    expect(tally('fault')).toMatchObject({ revokedAccepted: 1, worstDelayMs: BOUND + 40, lost: 0 });
    expect(tally('steady')).toBeUndefined();
    const [found] = checker.findings.values();
    expect(found).toMatchObject({ invariant: 'revoked token accepted', class: CLASSES.held, count: 1 });
    expect(asked).toEqual([{ token: login.access, login: false }]);
  });

  it('asks Redis about the whole login for a refresh token', async () => {
    const { ledger, checker, asked, signIn, tally } = setUp(false);
    const login = signIn(0);
    ledger.held(login, base + 1100, 'log-out-everywhere');
    await checker.accepted(login, { ...answer(2000), route: 'POST /auth/refresh', token: login.refresh });
    await checker.done();
    expect(asked).toEqual([{ token: login.refresh, login: true }]);
    expect(tally('fault')).toMatchObject({ revokedAccepted: 1, worstDelayMs: 900 });
    expect([...checker.findings.values()][0]?.class).toBe(CLASSES.notHeld);
  });

  it('counts what a restart without persistence lost apart, only on the node that held the subject', async () => {
    const { timeline, ledger, checker, signIn, tally } = setUp(false);
    const [one, two] = [signIn(0), signIn(0)];
    for (const login of [one, two]) ledger.held(login, base + 1100, 'sign-out');
    timeline.restartedEmpty(base + 1500, base + 1510, [[subjectSlot('user-1') + 1, 16383]]);
    await checker.accepted(one, { ...answer(2000), route: 'GET /me', token: one.access });
    await checker.done();
    expect(tally('fault')).toMatchObject({ revokedAccepted: 1, lost: 0 });

    timeline.restartedEmpty(base + 2500, base + 2510, [[subjectSlot('user-1'), subjectSlot('user-1')]]);
    await checker.accepted(two, { ...answer(3000), route: 'GET /me', token: two.access });
    await checker.done();
    expect(tally('fault')).toMatchObject({ revokedAccepted: 1, lost: 1 });
  });

  it('a revocation lost by a restart is lost even when Redis refuses the token later; one held again after the restart is judged', async () => {
    // Redis is asked after the accept: a later revocation of the same login (a log-out-everywhere)
    // makes it refuse the token then, which says nothing of what it held when the accept was answered.
    const { timeline, ledger, checker, asked, signIn, tally } = setUp(true);
    const [lost, again] = [signIn(0), signIn(0)];
    for (const login of [lost, again]) ledger.held(login, base + 1100, 'sign-out');
    timeline.restartedEmpty(base + 1500, base + 1600, undefined);
    ledger.held(again, base + 1700, 'log-out-everywhere');
    await checker.accepted(lost, { ...answer(2000), route: 'GET /me', token: lost.access });
    await checker.done();
    expect(tally('fault')).toMatchObject({ revokedAccepted: 0, lost: 1 });
    expect(asked).toEqual([]);
    await checker.accepted(again, { ...answer(2000), route: 'GET /me', token: again.access });
    await checker.done();
    expect(tally('fault')).toMatchObject({ revokedAccepted: 1, worstDelayMs: 300, lost: 1 });
    expect(asked).toEqual([{ token: again.access, login: false }]);
  });

  it('judges what was accepted during a polled 503 sign-out once the poll finds it held, or never', async () => {
    const { ledger, checker, signIn, tally } = setUp(true);
    const [found, never] = [signIn(0), signIn(0)];
    for (const login of [found, never]) {
      login.polling++;
      await checker.accepted(login, { ...answer(2000), route: 'GET /me', token: login.access });
    }
    await checker.done();
    expect(tally('fault')?.revokedAccepted ?? 0).toBe(0);
    ledger.held(found, base + 1500, 'sign-out (503, then held)');
    for (const login of [found, never]) {
      login.polling--;
      checker.settled(login);
    }
    await checker.done();
    expect(tally('fault')).toMatchObject({ revokedAccepted: 1, worstDelayMs: 500 });
  });

  it('log-out-everywhere covers the logins signed in before it was sent, and excuses refusals of those it may have met', () => {
    const { ledger, signIn } = setUp();
    const before = signIn(0);
    const during = signIn(995);
    const after = signIn(1100);
    const covered = ledger.everywhere('user-1', base + 1000, base + 1050, base + 1050);
    expect(covered).toEqual([before]);
    expect(before).toMatchObject({ heldAt: base + 1050, attempted: true });
    expect(during).toMatchObject({ heldAt: undefined, attempted: true });
    expect(after).toMatchObject({ heldAt: undefined, attempted: false });
  });
});

describe('soak checker: refresh tokens and fresh logins', () => {
  it('counts a refresh token spent twice in the phase of its first spend, unless a restart lost the spend before it', () => {
    const { timeline, checker, signIn, tally } = setUp();
    const [one, two] = [signIn(0), signIn(0)];
    checker.refreshed(one.refresh, answer(500), 0);
    checker.refreshed(one.refresh, answer(1500), 1);
    expect(tally('steady')).toMatchObject({ refreshTwice: 1, lost: 0 });
    checker.refreshed(two.refresh, answer(1200), 0);
    timeline.restartedEmpty(base + 1300, base + 1320, undefined);
    checker.refreshed(two.refresh, answer(1400), 0);
    expect(tally('fault')).toMatchObject({ refreshTwice: 0, lost: 1 });
    // A spend the dying node acknowledged while the kill was under way went with it.
    const three = signIn(0);
    timeline.restartedEmpty(base + 1600, base + 1640, undefined);
    checker.refreshed(three.refresh, answer(1620), 0);
    checker.refreshed(three.refresh, answer(1700), 1);
    expect(tally('fault')).toMatchObject({ refreshTwice: 0, lost: 2 });
    // Spent again after the restart: the spend that answered at 1705 was not lost.
    checker.refreshed(three.refresh, answer(1800), 1);
    expect(tally('fault')).toMatchObject({ refreshTwice: 1, lost: 2 });
  });

  it('counts ERR_TOKEN_REVOKED for a login nobody tried to revoke, and nothing else', () => {
    const { checker, signIn, tally } = setUp();
    const fresh = signIn(1000);
    const ended = signIn(1000);
    ended.attempted = true;
    checker.refused(fresh, answer(1200, 401, 'ERR_TOKEN_EXPIRED'), 'GET /me', 0);
    checker.refused(ended, answer(1200, 401, 'ERR_TOKEN_REVOKED'), 'GET /me', 0);
    expect(tally('fault')?.freshRefused ?? 0).toBe(0);
    checker.refused(fresh, answer(1200, 401, 'ERR_TOKEN_REVOKED'), 'GET /me', 0);
    expect(tally('fault')?.freshRefused).toBe(1);
  });

  it('a login made within 10 s of a log-out-everywhere that answered 503 was tried: that write may still land', () => {
    const { ledger, checker, signIn, tally } = setUp();
    ledger.everywhere('user-1', base + 1000, base + 2000, undefined);
    const within = signIn(9000);
    const after = signIn(11_500);
    expect([within.attempted, after.attempted]).toEqual([true, false]);
    checker.refused(within, answer(9100, 401, 'ERR_TOKEN_REVOKED'), 'GET /me', 0);
    expect(tally('fault')?.freshRefused ?? 0).toBe(0);
    checker.refused(after, answer(11_600, 401, 'ERR_TOKEN_REVOKED'), 'GET /me', 0);
    expect(tally('fault')?.freshRefused).toBe(1);
  });
});

describe('soak: Redis Cluster slots', () => {
  it("hashes keys as Redis does, hash tags included (the specification's vectors)", () => {
    expect(keySlot('123456789')).toBe(12739);
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    expect(subjectSlot('user-1')).toBe(keySlot('jwt-gate:{sub:user-1}:nb'));
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
  });
});
