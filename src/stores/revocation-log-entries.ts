// The revocation log as Redis holds it: a stream with an entry per revocation. The scripts that append to
// it and read it, and the fields of its entries (revocation-log.ts reads it).

import type { Change } from './near-cache.js';

// Trims by Redis's own clock, as the entry ids are: an app server whose clock runs ahead must not
// trim entries other processes have yet to read. Returns the entry's id.
export const APPEND: string = `local time = redis.call('TIME')
local oldest = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) - tonumber(ARGV[1])
return redis.call('XADD', KEYS[1], 'MINID', '~', string.format('%d-0', oldest), '*', unpack(ARGV, 2))`;

// Who is answering, and how long it has been up: a failover or a restart gives the log another
// history, in which entries may be missing (lost with the server, or never replicated).
const IDENTITY = `local info = redis.call('INFO', 'server') .. redis.call('INFO', 'replication')
local id = string.match(info, 'master_replid:(%w+)') or ''
local uptime = tonumber(string.match(info, 'uptime_in_seconds:(%d+)') or '0')
`;

// ARGV the last id read, at most how many. {identity, 'gone'} when that entry is no longer there
// (trimmed); else {identity, entries after it}.
export const READ: string = `${IDENTITY}if #redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1]) == 0 and ARGV[1] ~= '0-0' then return {id, 'gone'} end
return {id, redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])}`;

// ARGV how far back (ms), at most how many. {identity, uptime (s), the last id or '0-0', the entries of that window}.
export const START_OVER: string = `${IDENTITY}local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last == 0 then return {id, uptime, '0-0', {}} end
local time = redis.call('TIME')
local from = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) - tonumber(ARGV[1])
return {id, uptime, last[1][1], redis.call('XRANGE', KEYS[1], string.format('%d-0', math.max(0, from)), '+', 'COUNT', ARGV[2])}`;

// A change as the fields of its entry: `k` its kind, `s` the subject, `i` the id, `u` until when.
export function fieldsOf(change: Change): string[] {
  if (change.kind === 'subject') return ['k', 's', 's', change.sub];
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

// Entries written by earlier versions read the same: a subject entry with a not-before is a subject change.
export function changeOf(fields: readonly string[]): Change | undefined {
  const field = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) field.set(fields[i] as string, fields[i + 1] as string);
  const sub = field.get('s');
  if (field.get('k') === 's' && sub !== undefined) return { kind: 'subject', sub };
  const id = field.get('i');
  const until = Number(field.get('u'));
  return field.get('k') === 'r' && id !== undefined && !Number.isNaN(until)
    ? { kind: 'revoke', id, sub, until }
    : undefined;
}

type Entry = [string, string[]];

/** The entries of a script's reply: arrays in RESP2 and RESP3 alike; anything else fails closed. */
export function entriesOf(value: unknown): Entry[] {
  if (!Array.isArray(value))
    throw new Error('jwt-gate: the revocation log answered with an unexpected reply');
  return value.map((entry: unknown): Entry => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1]))
      throw new Error('jwt-gate: a revocation log entry has an unexpected shape');
    const fields: unknown[] = entry[1];
    if (!fields.every((field): field is string => typeof field === 'string'))
      throw new Error('jwt-gate: a revocation log entry has an unexpected shape');
    return [entry[0], fields];
  });
}

// An entry id's time part: when Redis appended it, by its clock (ms).
export const msOf = (id: string): number => Number(id.slice(0, id.indexOf('-')));
