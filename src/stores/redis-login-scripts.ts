// The Lua scripts of redisStore's logins' records ("Your sessions"): one field of the subject's hash
// each, `l:<sid>` = `<until>:<signed in at>:<last active at>:<meta as JSON>`, in the hash's own slot.
import { PRELUDE, SUBJECT } from './redis-scripts.js';

// The subject's live records as {sid, value, last active at}, and its generation. A record whose login a
// cut or a revocation ended (written by an earlier version, which kept the record) or which is past its
// end does not count; `drop` deletes it.
const LIVE_LOGINS = `local function liveLogins(drop)
  local all = redis.call('HGETALL', key)
  local g, cutEnd, revoked = 0, nil, {}
  for i = 1, #all, 2 do
    local f, v = all[i], all[i + 1]
    if f == 'g' then g = tonumber(v) or 0
    elseif f == 'e' then cutEnd = endOf(v)
    elseif string.sub(f, 1, 6) == 'i:sid:' then revoked[string.sub(f, 7)] = v end
  end
  if cutEnd ~= nil and cutEnd <= now then g = 0 end
  local list = {}
  for i = 1, #all, 2 do
    local f, v = all[i], all[i + 1]
    if string.sub(f, 1, 2) == 'l:' then
      local sid = string.sub(f, 3)
      local e, gen = string.match(sid, '%.(%d+)%.(%d+)$')
      local active = tonumber(string.match(v, '^[^:]*:[^:]*:([^:]*):') or '')
      local r = revoked[sid]
      if e == nil or active == nil or tonumber(e) <= now or tonumber(gen) < g
        or (r ~= nil and (r == '1' or endOf(r) > now)) then
        if drop then redis.call('HDEL', key, f) end
      else list[#list + 1] = {sid, v, active} end
    end
  end
  return list, g
end
`;

/**
 * KEYS[1] a subject; ARGV deadline (''), clock, limit, id, end, until, signed in at, meta.
 * {'ok', generation}: recorded as `<id>.<end>.<generation>`, the generation read in this same step.
 * {'full', sid…}: `limit` live logins already, nothing written; the idlest to end first.
 */
export const ADD_LOGIN: string = `${SUBJECT}${LIVE_LOGINS}
local _, latest = entries()
local list, g = liveLogins(true)
local limit = tonumber(ARGV[3])
if #list >= limit then
  table.sort(list, function(a, b) if a[3] ~= b[3] then return a[3] < b[3] end return a[1] < b[1] end)
  local full = {'full'}
  for i = 1, #list - limit + 1 do full[#full + 1] = list[i][1] end
  return full
end
local generation = string.format('%d', g)
local at = ARGV[7]
redis.call('HSET', key, 'l:' .. ARGV[4] .. '.' .. ARGV[5] .. '.' .. generation, ARGV[6] .. ':' .. at .. ':' .. at .. ':' .. ARGV[8])
expire(key, math.max(latest, endOf(ARGV[6])))
return {'ok', generation}`;

/** KEYS[1] a subject; ARGV deadline (''), clock, sid, at. Moves a live record's last activity forward; makes none. */
export const TOUCH_LOGIN: string = `${PRELUDE}
local field = 'l:' .. ARGV[3]
local v = redis.call('HGET', KEYS[1], field)
if not v then return 0 end
local u, s, a, m = string.match(v, '^([^:]*):([^:]*):([^:]*):(.*)$')
if u == nil or endOf(u) <= now or tonumber(ARGV[4]) <= (tonumber(a) or 0) then return 0 end
redis.call('HSET', KEYS[1], field, u .. ':' .. s .. ':' .. ARGV[4] .. ':' .. m)
return 1`;

/** KEYS[1] a subject; ARGV deadline (''), clock. Its live records, flat: sid, value, sid, value… Writes nothing. */
export const LIST_LOGINS: string = `${PRELUDE}
local key = KEYS[1]
${LIVE_LOGINS}
local list = liveLogins(false)
local out = {}
for _, l in ipairs(list) do out[#out + 1] = l[1]; out[#out + 1] = l[2] end
return out`;
