-- cancel.lua: a waiting or offered task ends without being handled (the caller hung up:
-- 'abandoned'; the channel withdrew it: 'canceled', 'callback', 'voicemail').
-- KEYS[1..7] common; KEYS[8] wait list of the task's current step.
-- ARGV[1..2] common; ARGV[3] task id; ARGV[4] outcome; ARGV[5] queue and ARGV[6] step the caller
--   computed KEYS[8] for.
-- Returns {'unknown'} | {'state', state} | {'stale'} | {'ok', agent or ''}.
local task = get_json(TASKS, ARGV[3])
if not task then return {'unknown'} end
if task.state ~= 'queued' and task.state ~= 'reserved' then return {'state', task.state} end
if task.queue ~= ARGV[5] or task.step ~= tonumber(ARGV[6]) then return {'stale'} end
redis.call('ZREM', KEYS[8], task.id)
redis.call('ZREM', TIMERS, 'step|' .. task.id .. '|' .. task.step)
local agent_id = ''
if task.state == 'reserved' then
  redis.call('ZREM', TIMERS, 'offer|' .. task.offer)
  agent_id = task.agent
  local status = get_json(STATUS, agent_id)
  release(status, task)
  put_status(agent_id, status)
end
task.state, task.ended_at, task.agent, task.offer = ARGV[4], NOW, '', ''
put_json(TASKS, task.id, task)
stat(task.origin_queue, task.channel, ARGV[4], 1)
if ARGV[4] == 'abandoned' then
  stat(task.origin_queue, task.channel, 'abandon_wait_sum', NOW - task.created)
  -- a short abandon (vero/kernel/service_level.py): some service levels leave it out
  if NOW - task.created <= CFG.ch[task.channel].s then
    stat(task.origin_queue, task.channel, 'short_abandoned', 1)
  end
end
contact_record(task, ARGV[4])
event(ARGV[4], task.id, agent_id)
return {'ok', agent_id}
