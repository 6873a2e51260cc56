-- complete.lua: an assigned task ends (wrap-up starts, or completes at once without wrap-up);
-- a wrapping task completes (early, by the agent, or when its wrap-up timer fires), and counts
-- as handled today by its agent.
-- KEYS[1..7] common. ARGV[1..2] common; ARGV[3] task id; ARGV[4] '1' when called for the
--   wrap-up timer (which must still exist); ARGV[5] the contact record's outcome when an
--   assigned task ends ('' for 'completed'; a callback whose customer was not reached says so).
-- Returns {'unknown'} | {'gone'} | {'state', state} | {'wrapping', agent} | {'completed', agent}.
local task = get_json(TASKS, ARGV[3])
if not task then return {'unknown'} end
if ARGV[4] == '1' then
  if task.state ~= 'wrapping' or redis.call('ZREM', TIMERS, 'wrap|' .. task.id) == 0 then
    return {'gone'}
  end
elseif task.state == 'assigned' then
  local wrap = CFG.wrap[task.queue] or 0
  task.state, task.ended_at, task.wrap_until = 'wrapping', NOW, NOW + wrap
  if ARGV[5] ~= '' then task.outcome = ARGV[5] end
  event('wrapping', task.id, task.agent, {until_at = task.wrap_until})
  if wrap > 0 then
    put_json(TASKS, task.id, task)
    redis.call('ZADD', TIMERS, task.wrap_until, 'wrap|' .. task.id)
    put_status(task.agent, get_json(STATUS, task.agent))  -- shown wrap-up when no other work
    return {'wrapping', task.agent}
  end
elseif task.state == 'wrapping' then
  redis.call('ZREM', TIMERS, 'wrap|' .. task.id)
else
  return {'state', task.state}
end
task.state = 'completed'
put_json(TASKS, task.id, task)
local status = get_json(STATUS, task.agent)
release(status, task)
put_status(task.agent, status)
-- handled today: handle time is talk (from the answer; a contact never answered has none)
-- plus wrap-up, to now
agent_stat(task.agent, 'handled', 1)
agent_stat(task.agent, 'handle_sum', NOW - (task.answered_at or task.ended_at or NOW))
contact_record(task, task.outcome or 'completed')
event('completed', task.id, task.agent)
return {'completed', task.agent}
