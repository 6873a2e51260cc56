-- assign.lua: a task that an agent starts themself (a click-to-call) is created assigned to
-- that agent, counting on the agent's load like any accepted task; no queue, no offer.
-- KEYS[1..7] common; KEYS[8] closed tasks. ARGV[1..2] common; ARGV[3] task JSON (state
--   'assigned', its agent set); ARGV[4] agent id.
-- Returns {'exists'} | {'unknown'} (no such agent) | {'busy', state} (not available, or no
--   room on the task's channel) | {'ok'}.
local task = cjson.decode(ARGV[3])
if redis.call('HEXISTS', TASKS, task.id) == 1 or redis.call('HEXISTS', KEYS[8], task.id) == 1 then
  return {'exists'}
end
local status = get_json(STATUS, ARGV[4])
if not status then return {'unknown'} end
if status.state ~= 'available' or not has_room(status, task.channel) then
  return {'busy', status.state}
end
take(status, task)
task.agent = ARGV[4]
put_json(TASKS, task.id, task)
put_status(ARGV[4], status)
event('assigned', task.id, ARGV[4], {channel = task.channel, direct = 1})
return {'ok'}
