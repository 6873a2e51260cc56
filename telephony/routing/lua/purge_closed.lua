-- purge_closed.lua: closed tasks older than the retention period leave Redis for good (their
-- contact record is in the CSV), with their conversation.
-- Standalone (no lib.lua).
-- KEYS[1] closed tasks HASH; KEYS[2] closed index ZSET; KEYS[3..] the message LIST of each task
--   in ARGV[2..], in the same order.
-- ARGV[1] cutoff (settled at or before it: purge); ARGV[2..] task ids read from the index.
-- Returns the number of tasks purged.
local cutoff, purged = tonumber(ARGV[1]), 0
for i = 2, #ARGV do
  local settled = redis.call('ZSCORE', KEYS[2], ARGV[i])
  if settled and tonumber(settled) <= cutoff then
    redis.call('HDEL', KEYS[1], ARGV[i])
    redis.call('ZREM', KEYS[2], ARGV[i])
    redis.call('DEL', KEYS[i + 1])
    purged = purged + 1
  end
end
return purged
