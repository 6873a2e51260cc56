-- hold.lua: what the hold loop tells a waiting caller, read in one call (every caller on hold
-- asks every loop): the call's task, its rank on the wait list of the step it is believed to be
-- on, and today's answer counters of the queue it came in by. The caller compares the task with
-- that belief and reads again where the task really is when it has moved.
-- KEYS[1] tasks (HASH task id -> task JSON); KEYS[2] the step's wait list (ZSET of task ids);
-- KEYS[3] today's counters (HASH). ARGV[1] task id; ARGV[2] answered field; ARGV[3] wait-sum field.
-- Returns {task JSON, rank, answered, wait sum}, each nil when absent.
local counters = redis.call('HMGET', KEYS[3], ARGV[2], ARGV[3])
return {redis.call('HGET', KEYS[1], ARGV[1]), redis.call('ZRANK', KEYS[2], ARGV[1]),
        counters[1], counters[2]}
