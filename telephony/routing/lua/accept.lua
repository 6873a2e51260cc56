-- accept.lua: the agent takes an offered task before the offer expires.
-- KEYS[1..6] common. ARGV[1..2] common; ARGV[3] offer id; ARGV[4] task id.
-- Returns {'gone'} (no such pending offer) | {'expired'} | {'ok', agent, task JSON as stored}.
local task = get_json(TASKS, ARGV[4])
if not task or task.state ~= 'reserved' or task.offer ~= ARGV[3] then return {'gone'} end
if NOW >= task.offer_expires then return {'expired'} end
redis.call('ZREM', TIMERS, 'offer|' .. task.offer)
task.state = 'assigned'
task.answered_at = NOW
task.offer = ''
local stored = cjson.encode(task)
redis.call('HSET', TASKS, task.id, stored)
local status = get_json(STATUS, task.agent)
status.missed = 0
put_json(STATUS, task.agent, status)
local wait = NOW - task.created
stat(task.origin_queue, task.channel, 'answered', 1)
stat(task.origin_queue, task.channel, 'wait_sum', wait)
if wait <= CFG.ch[task.channel].g then stat(task.origin_queue, task.channel, 'answered_in_target', 1) end
event('assigned', task.id, task.agent, {wait = wait})
return {'ok', task.agent, stored}
