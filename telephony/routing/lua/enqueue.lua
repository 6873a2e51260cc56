-- enqueue.lua: create a task on its first step and offer it to the best eligible agent.
-- KEYS[1..7] common (lib.lua); KEYS[8] wait list of the task's step; KEYS[9] closed tasks
--   (a recently closed task keeps its id until purged); KEYS[10..] agent pools of that step, best
--   level first.
-- ARGV[1..2] common; ARGV[3] task JSON; ARGV[4] step timer due ('' for none);
--   ARGV[5] pool family ('idle' or 'load'); ARGV[6] selection mode.
-- Returns {'exists'} | {'queued'} | {'reserved', offer, task, agent, expires}.
local task = cjson.decode(ARGV[3])
if redis.call('HEXISTS', TASKS, task.id) == 1 or redis.call('HEXISTS', KEYS[9], task.id) == 1 then
  return {'exists'}
end
put_json(TASKS, task.id, task)
redis.call('ZADD', KEYS[8], task_score(task), task.id)
if ARGV[4] ~= '' then redis.call('ZADD', TIMERS, tonumber(ARGV[4]), 'step|' .. task.id .. '|0') end
stat(task.queue, task.channel, 'offered', 1)
event('queued', task.id, nil, {queue = task.queue, channel = task.channel, language = task.language})

return offer_to_best(task, KEYS[8], 10, ARGV[5], ARGV[6])
