-- bridge.lua: an assigned voice task's caller and agent are both in its conference: the call is
-- answered (answer time, answer counters), once; a repeated bridge changes nothing.
-- KEYS[1..7] common. ARGV[1..2] common; ARGV[3] task id.
-- Returns {'unknown'} | {'state', state} | {'already'} | {'bridged', agent}.
local task = get_json(TASKS, ARGV[3])
if not task then return {'unknown'} end
if task.answered_at then return {'already'} end
if task.state ~= 'assigned' or task.channel ~= 'voice' then return {'state', task.state} end
local wait = answer(task)
put_json(TASKS, task.id, task)
event('bridged', task.id, task.agent, {wait = wait})
return {'bridged', task.agent}
