-- agent_timeline.lua: save the agent-state timeline's progress only if no other dispatcher
-- saved a later one meanwhile (compare-and-set on the cursor), so a replayed state always
-- belongs to its cursor.
-- KEYS[1] agent_timeline (HASH). ARGV[1] the cursor the replay started from ('' for none);
-- ARGV[2..] field, value pairs to write (the new cursor among them).
-- Returns 1 when written, 0 when the cursor had moved (the other dispatcher's rows are the same).
local cursor = redis.call('HGET', KEYS[1], 'cursor') or ''
if cursor ~= ARGV[1] then return 0 end
local pairs = {}
for i = 2, #ARGV do pairs[#pairs + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(pairs))
return 1
