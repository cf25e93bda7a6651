import { createHash } from 'node:crypto';

/** A Lua script run with EVALSHA, and with EVAL when the server has not cached it yet. */
export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}

function script(source: string): LuaScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

/**
 * INCR unless a blocker exists: answers nil, counting nothing, when any of KEYS[2..] exists; else
 * INCR KEYS[1], with a TTL only when the key was created (or somehow has none), so a later
 * increment never extends the window. KEYS[1] the counter, KEYS[2..] the blockers (none for a
 * plain increment), ARGV[1] the TTL in milliseconds.
 */
export const INCREMENT_UNLESS = script(`
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    return nil
  end
end
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
`);

/**
 * Stores ARGV[1] with a TTL of ARGV[2] ms unless the key holds a number at least as great;
 * answers 1 when stored, 0 when not. A non-numeric value is replaced, as in the MemoryStore.
 */
export const ADVANCE = script(`
local current = tonumber(redis.call('GET', KEYS[1]))
if current and current >= tonumber(ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`);
