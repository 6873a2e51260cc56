-- accept.lua: the agent takes an offered task before the offer expires. A voice task is not
-- answered yet: that is when caller and agent are bridged (bridge.lua); a voicemail, which has
-- no call to bridge, is answered when taken, as every other channel's task.
-- KEYS[1..7] common. ARGV[1..2] common; ARGV[3] offer id; ARGV[4] task id.
-- Returns {'gone'} (no such pending offer) | {'expired'} | {'ok', agent, task JSON as stored}.
local task = get_json(TASKS, ARGV[4])
if not task or task.state ~= 'reserved' or task.offer ~= ARGV[3] then return {'gone'} end
if NOW >= task.offer_expires then return {'expired'} end
redis.call('ZREM', TIMERS, 'offer|' .. task.offer)
task.state = 'assigned'
task.offer = ''
local extra = {offer = ARGV[3]}
if task.channel ~= 'voice' or task.attributes.kind == 'voicemail' then
  extra.wait = answer(task)
end
local stored = cjson.encode(task)
redis.call('HSET', TASKS, task.id, stored)
local status = get_json(STATUS, task.agent)
status.missed = 0
put_status(task.agent, status)
event('assigned', task.id, task.agent, extra)
return {'ok', task.agent, stored}
