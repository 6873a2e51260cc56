-- settle.lua: closed contacts are safely in their day's CSV (fsynced): acknowledge and delete
-- their stream entries, move each closed task from the hot tasks hash to the closed-tasks hash
-- (indexed by the time it was settled, for the purge after the retention period) and put the
-- contact on its customer's recent list. Run again for the same entries, it changes nothing more
-- than once: the CSV write before it is idempotent, this script is atomic.
-- Standalone (no lib.lua).
-- KEYS[1] tasks HASH; KEYS[2] closed tasks HASH; KEYS[3] closed index ZSET; KEYS[4] contacts
--   STREAM; KEYS[5..] customers' recent-contacts LISTs.
-- ARGV[1] now; ARGV[2] consumer group; ARGV[3] recent contacts kept per customer; ARGV[4] their
--   TTL in seconds; then per entry 4 values: stream id, task id, index of its customer's list in
--   KEYS (0: none), recent-contact JSON.
-- Returns the number of tasks moved to the closed hash.
local TASKS, CLOSED, INDEX, STREAM = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local now, keep, ttl = tonumber(ARGV[1]), tonumber(ARGV[3]), tonumber(ARGV[4])
local TERMINAL = {completed = true, canceled = true, abandoned = true, callback = true,
                  voicemail = true}
local moved = 0
for i = 5, #ARGV, 4 do
  local entry, task_id, list, recent = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), ARGV[i + 3]
  if redis.call('XACK', STREAM, ARGV[2], entry) == 1 and list > 0 then
    redis.call('LPUSH', KEYS[list], recent)
    redis.call('LTRIM', KEYS[list], 0, keep - 1)
    redis.call('EXPIRE', KEYS[list], ttl)
  end
  redis.call('XDEL', STREAM, entry)
  local raw = redis.call('HGET', TASKS, task_id)
  if raw and TERMINAL[cjson.decode(raw).state] then
    redis.call('HSET', CLOSED, task_id, raw)
    redis.call('HDEL', TASKS, task_id)
    redis.call('ZADD', INDEX, now, task_id)
    moved = moved + 1
  end
end
return moved
