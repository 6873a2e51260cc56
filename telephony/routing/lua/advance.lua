-- advance.lua: a task's step timed out: move it to the next step (or overflow queue), or signal
-- the fallback offer to its channel; then offer it to the best agent the wider step allows.
-- KEYS[1..7] common; KEYS[8] wait list of the current step; KEYS[9] wait list of the new step;
--   KEYS[10..] agent pools of the new step, best level first.
-- ARGV[1..2] common; ARGV[3] task id; ARGV[4] step that timed out; ARGV[5] queue the caller read;
--   ARGV[6] new queue; ARGV[7] new step; ARGV[8] new priority ('' keeps it); ARGV[9] next step
--   timer due ('' none); ARGV[10] fallback offer ('callback', 'voicemail', 'stay' or '' to move);
--   ARGV[11] new entered time ('' keeps it); ARGV[12] pool family; ARGV[13] selection mode.
-- Returns {'gone'} | {'stale'} | {'fallback', offer} | {'moved'} | {'queued'} |
--   {'reserved', offer, task, agent, expires}.
local member = 'step|' .. ARGV[3] .. '|' .. ARGV[4]
if not redis.call('ZSCORE', TIMERS, member) then return {'gone'} end
local task = get_json(TASKS, ARGV[3])
if not task or task.step ~= tonumber(ARGV[4])
   or (task.state ~= 'queued' and task.state ~= 'reserved') then
  redis.call('ZREM', TIMERS, member)
  return {'gone'}
end
if task.queue ~= ARGV[5] then return {'stale'} end
redis.call('ZREM', TIMERS, member)
if ARGV[10] ~= '' then
  if ARGV[10] ~= 'stay' then
    task.fallback = ARGV[10]
    put_json(TASKS, task.id, task)
    event('fallback', task.id, nil, {offer = ARGV[10]})
  end
  return {'fallback', ARGV[10]}
end
local queued = task.state == 'queued'
if queued then redis.call('ZREM', KEYS[8], task.id) end
task.queue, task.step = ARGV[6], tonumber(ARGV[7])
if ARGV[8] ~= '' then task.priority = tonumber(ARGV[8]) end
if ARGV[11] ~= '' then task.entered = tonumber(ARGV[11]) end
if ARGV[9] ~= '' then
  redis.call('ZADD', TIMERS, tonumber(ARGV[9]), 'step|' .. task.id .. '|' .. task.step)
end
put_json(TASKS, task.id, task)
event('step', task.id, nil, {queue = task.queue, step = task.step})
if not queued then return {'moved'} end
redis.call('ZADD', KEYS[9], task_score(task), task.id)
return offer_to_best(task, KEYS[9], 10, ARGV[12], ARGV[13])
