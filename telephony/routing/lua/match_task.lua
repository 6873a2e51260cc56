-- match_task.lua: offer a waiting task to the best eligible agent (after it returned to its
-- queue or moved to a wider step).
-- KEYS[1..7] common; KEYS[8] wait list of the task's current step; KEYS[9..] agent pools of that
--   step, best level first.
-- ARGV[1..2] common; ARGV[3] task id; ARGV[4] queue and ARGV[5] step the caller computed keys for;
--   ARGV[6] pool family; ARGV[7] selection mode.
-- Returns {'none'} (not waiting) | {'stale'} (queue or step moved: read again) | {'queued'} |
--   {'reserved', offer, task, agent, expires}.
local task = get_json(TASKS, ARGV[3])
if not task or task.state ~= 'queued' then return {'none'} end
if task.queue ~= ARGV[4] or task.step ~= tonumber(ARGV[5]) then return {'stale'} end
return offer_to_best(task, KEYS[8], 9, ARGV[6], ARGV[7])
