-- transfer_queue.lua: a cold transfer to a queue. An assigned call goes back into routing in
-- another queue (or its own), on that queue's first step, keeping its age (it is served by
-- priority, then by when it first came in); its agent is released at once, without wrap-up (the
-- conversation goes on with the next agent, whose wrap-up it is), and so is an agent a named
-- transfer was ringing. The offer to the best agent of the new step comes before the release,
-- so that the agents it leaves (still busy on it) are not chosen.
-- KEYS[1..7] common; KEYS[8] wait list of the new queue's step 0; KEYS[9..] agent pools of that
--   step, best level first.
-- ARGV[1..2] common; ARGV[3] task id; ARGV[4] new queue; ARGV[5] its first step's priority
--   ('' keeps the task's); ARGV[6] step timer due ('' none); ARGV[7] number of steps of the
--   queue it leaves (their timers go); ARGV[8] JSON attributes to set; ARGV[9] pool family;
--   ARGV[10] selection mode.
-- Returns {'unknown'} | {'state', state} |
--   {'ok', released agent, released ringing agent or '', 'queued' | 'reserved', offer, task,
--    agent, expires}.
local task = get_json(TASKS, ARGV[3])
if not task then return {'unknown'} end
if task.state ~= 'assigned' then return {'state', task.state} end
if type(task.attributes) ~= 'table' then task.attributes = {} end
local first, ringing = task.agent, task.attributes.transfer_to or ''
for k = 0, tonumber(ARGV[7]) - 1 do redis.call('ZREM', TIMERS, 'step|' .. task.id .. '|' .. k) end
local old_queue = task.queue
task.queue, task.step, task.entered, task.fallback = ARGV[4], 0, NOW, ''
if ARGV[5] ~= '' then task.priority = tonumber(ARGV[5]) end
task.state, task.agent, task.offer = 'queued', '', ''
for k, v in pairs(cjson.decode(ARGV[8])) do task.attributes[k] = v end
put_json(TASKS, task.id, task)
redis.call('ZADD', KEYS[8], task_score(task), task.id)
if ARGV[6] ~= '' then redis.call('ZADD', TIMERS, tonumber(ARGV[6]), 'step|' .. task.id .. '|0') end
stat(old_queue, task.channel, 'transferred', 1)
event('transferred', task.id, first, {queue = task.queue, from_queue = old_queue})
local offer = offer_to_best(task, KEYS[8], 9, ARGV[9], ARGV[10])
for _, id in ipairs({first, ringing}) do
  local status = id ~= '' and get_json(STATUS, id)
  if status then
    release(status, task)
    put_status(id, status)
  end
end
local out = {'ok', first, ringing}
for _, v in ipairs(offer) do out[#out + 1] = v end
return out
