// The Lua scripts of redisStore. Each touches the keys of one hash slot only, so a Cluster runs them.
//
// A subject's state is one hash, `<prefix>{sub:<subject>}`:
//   g      its generation: how many times it was logged out everywhere (or folded, below)
//   n      the not-before of its tokens that carry no login generation (Unix seconds)
//   e      until when g and n must be kept ('inf': for as long as the store lives)
//   i:<id> a revoked id (`jti:…`, `sid:…`) and its end
//   u:<id> a used id (a refresh token's login) as `<step>:<end>`
//   l:<sid> a login's record as `<until>:<signed in at>:<last active at>:<meta as JSON>` (redis-login-scripts.ts)
// Ends are Unix seconds by Redis's clock (or by the store's own `now`, given as ARGV), and the key
// itself expires with the latest of them: no key outlives what it names.

import { FOLD_AHEAD } from './fold.js';

// Shared by every write. ARGV[1] is the deadline in Unix ms ('' for none): a write that reaches
// Redis later than that (a stalled server, a slow network) does nothing, because the processes that
// read its log entry keep refusing for a bounded time only. ARGV[2] is the store's own clock in
// seconds ('' for Redis's). Returns -1 for a late write.
export const PRELUDE: string = `local t = redis.call('TIME')
if ARGV[1] ~= '' and tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > tonumber(ARGV[1]) then return -1 end
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
if ARGV[2] ~= '' then now = tonumber(ARGV[2]) end
local INF = math.huge
local function endOf(v) if v == 'inf' then return INF end return tonumber(v) or 0 end
local function show(e) if e == INF then return 'inf' end return string.format('%d', math.ceil(e)) end
local function expire(key, latest)
  if latest == INF then redis.call('PERSIST', key)
  elseif ARGV[2] ~= '' then redis.call('EXPIRE', key, math.max(1, math.ceil(latest - now)))
  else redis.call('EXPIREAT', key, math.ceil(latest)) end
end
`;

// Drops the ended entries of a subject; the count of live ones and the latest end, cut and logins'
// records included. Records count against no fold: a live login is no revocation.
export const SUBJECT: string = `${PRELUDE}
local key = KEYS[1]
local function entries()
  local all = redis.call('HGETALL', key)
  local live, latest, cut = 0, 0, nil
  for i = 1, #all, 2 do
    local f, v = all[i], all[i + 1]
    local kind = string.sub(f, 1, 2)
    if f == 'e' then cut = endOf(v)
    elseif kind == 'i:' or kind == 'u:' then
      local e = endOf(kind == 'u:' and string.match(v, ':(.*)$') or v)
      if e <= now then redis.call('HDEL', key, f) else live = live + 1; latest = math.max(latest, e) end
    elseif kind == 'l:' then
      local e = endOf(string.match(v, '^[^:]*'))
      if e <= now then redis.call('HDEL', key, f) else latest = math.max(latest, e) end
    end
  end
  if cut ~= nil and cut <= now then redis.call('HDEL', key, 'g', 'n', 'e'); cut = nil end
  return live, math.max(latest, cut or 0)
end
-- Every token the dropped entries refused is refused by the new generation (a login's) or the
-- not-before (any other): the entries go, and the subject holds one small hash again. Its logins end:
-- their records go too.
local function cut(notBefore, ending)
  local all = redis.call('HGETALL', key)
  for i = 1, #all, 2 do
    local kind = string.sub(all[i], 1, 2)
    if kind == 'i:' or kind == 'u:' or kind == 'l:' then redis.call('HDEL', key, all[i]) end
  end
  -- Never a generation handed out before, even once this one is forgotten (its cut ended, Redis
  -- restarted): at least the time in ms, which only goes on.
  local g = math.max(tonumber(redis.call('HGET', key, 'g') or '0') + 1, math.floor(now * 1000))
  local n = math.max(tonumber(redis.call('HGET', key, 'n') or '0'), notBefore)
  local e = math.max(endOf(redis.call('HGET', key, 'e') or '0'), ending)
  redis.call('HSET', key, 'g', string.format('%d', g), 'n', string.format('%.3f', n), 'e', show(e))
  return e
end
-- Past ARGV[3] live entries the subject folds them into a cut: an account that signs in and out in a
-- loop fills only its own share, and ends its own logins. Not-before: FOLD_AHEAD s from now, so that
-- instances whose clocks are that far apart still refuse its revoked tokens that carry no generation.
-- Kept for good: its logins' refreshed tokens would otherwise come back when the cut ended.
local function bounded(live, latest)
  if live > tonumber(ARGV[3]) then latest = cut(now + ${FOLD_AHEAD}, INF) end
  expire(key, latest)
end
`;

/**
 * KEYS[1] a subject; ARGV deadline, clock, limit, id, end. Keeps the later of two ends. A login's
 * revocation (`sid:<sid>`) refuses its every refresh: its record and its spent steps (`rt:<sid>`) go.
 */
export const REVOKE_IN_SUBJECT: string = `${SUBJECT}
local field, e = 'i:' .. ARGV[4], endOf(ARGV[5])
local live, latest = entries()
if string.sub(ARGV[4], 1, 4) == 'sid:' then
  local login = string.sub(ARGV[4], 5)
  redis.call('HDEL', key, 'l:' .. login)
  live = live - redis.call('HDEL', key, 'u:rt:' .. login)
end
local current = redis.call('HGET', key, field)
if current then e = math.max(e, endOf(current)) elseif e > now then live = live + 1 end
if e <= now then return 1 end
redis.call('HSET', key, field, show(e))
bounded(live, math.max(latest, e))
return 1`;

/** KEYS[1] a subject; ARGV deadline, clock, limit, id, end, step. 1: the first use of this step (or a later one). */
export const USE_IN_SUBJECT: string = `${SUBJECT}
local field, e, step = 'u:' .. ARGV[4], endOf(ARGV[5]), tonumber(ARGV[6])
local live, latest = entries()
local current = redis.call('HGET', key, field)
if current then
  if (tonumber(string.match(current, '^(%d+):') or '') or step) >= step then return 0 end
  e = math.max(e, endOf(string.match(current, ':(.*)$')))
else live = live + 1 end
e = math.max(e, now + 1)
redis.call('HSET', key, field, string.format('%d', step) .. ':' .. show(e))
bounded(live, math.max(latest, e))
return 1`;

/** KEYS[1] a subject; ARGV deadline, clock, limit (unused), not-before, end. "Log out everywhere". */
export const CUT_SUBJECT: string = `${SUBJECT}
local live, latest = entries()
latest = math.max(latest, cut(tonumber(ARGV[4]), endOf(ARGV[5])))
expire(key, latest)
return 1`;

/** KEYS[1] the id of a token without a subject; ARGV deadline, clock, limit (unused), end. Keeps the later of two ends. */
export const REVOKE_ALONE: string = `${PRELUDE}
local e = endOf(ARGV[4])
local current = redis.call('GET', KEYS[1])
if current then e = math.max(e, endOf(current)) end
if e <= now then return 1 end
redis.call('SET', KEYS[1], show(e))
expire(KEYS[1], e)
return 1`;

/**
 * KEYS[1] a used id without a subject; ARGV deadline, clock, limit (unused), end, step. A value of
 * another shape (0.1 marked a used id '1') is a use of every step.
 */
export const USE_ALONE: string = `${PRELUDE}
local e, step = math.max(endOf(ARGV[4]), now + 1), tonumber(ARGV[5])
local current = redis.call('GET', KEYS[1])
if current then
  if (tonumber(string.match(current, '^(%d+):') or '') or step) >= step then return 0 end
  e = math.max(e, endOf(string.match(current, ':(.*)$')))
end
redis.call('SET', KEYS[1], string.format('%d', step) .. ':' .. show(e))
expire(KEYS[1], e)
return 1`;

/**
 * KEYS[1] a subject; ARGV how many replicas, then the fields. HMGET, from a master with at least that
 * many replicas connected: one a partition cut off (which Sentinel has replaced) fails instead.
 */
export const REPLICATED_HMGET: string = `local info = redis.call('INFO', 'replication')
if not string.find(info, 'role:master', 1, true) then return redis.error_reply('jwt-gate: not a master') end
if tonumber(string.match(info, 'connected_slaves:(%d+)') or '0') < tonumber(ARGV[1]) then
  return redis.error_reply('jwt-gate: fewer replicas than durability asks for')
end
return redis.call('HMGET', KEYS[1], unpack(ARGV, 2))`;
