-- return_offer.lua: an offer rejected, expired or withdrawn, or an accepted voice task whose call
-- was never bridged (the agent's leg went unanswered: "unassigned"); the task goes back to its queue
-- with its age, the agent goes to the back of the idle line (and to break "missed" after too
-- many missed offers in a row). The agent's pool entries are refreshed with its true score, so
-- that the task's own re-match that follows may choose this agent again.
-- KEYS[1..7] common; KEYS[8] wait list of the task's current step; KEYS[9..] the agent's pools.
-- ARGV[1..2] common; ARGV[3] offer id; ARGV[4] task id; ARGV[5] queue and ARGV[6] step the caller
--   computed KEYS[8] for; ARGV[7] reason ('rejected', 'timeout', 'withdrawn'); ARGV[8] '1' when
--   it counts as missed; ARGV[9] '1' when called for the expiry timer (which must still exist);
--   ARGV[10] agent the caller read; ARGV[11] its profile version the pool keys were computed
--   from; ARGV[12] JSON [[family, channel], ...] per pool key; ARGV[13] '1' to unassign (the task
--   must be an assigned, never bridged voice task; ARGV[3] is then the offer it was accepted by).
-- Returns {'gone'} | {'stale'} (queue, step or agent profile moved: read again) | {'ok', agent}.
local task = get_json(TASKS, ARGV[4])
if ARGV[13] == '1' then
  if not task or task.state ~= 'assigned' or task.channel ~= 'voice' or task.answered_at then
    return {'gone'}
  end
elseif not task or task.state ~= 'reserved' or task.offer ~= ARGV[3] then
  return {'gone'}
end
if task.queue ~= ARGV[5] or task.step ~= tonumber(ARGV[6]) then return {'stale'} end
local agent_id = task.agent
local status = get_json(STATUS, agent_id)
if agent_id ~= ARGV[10] or status.v ~= tonumber(ARGV[11]) then return {'stale'} end
local removed = redis.call('ZREM', TIMERS, 'offer|' .. task.offer)
if ARGV[9] == '1' and removed == 0 then return {'gone'} end
release(status, task)
if ARGV[8] == '1' then
  status.missed = (status.missed or 0) + 1
  if status.missed >= CFG.missed and status.state == 'available' then
    status.state, status.reason, status.since = 'break', 'missed', NOW
    event('agent_state', nil, agent_id, {state = 'break', reason = 'missed'})
  end
end
put_status(agent_id, status)
local pool_desc = cjson.decode(ARGV[12])
for i = 9, #KEYS do
  local family, channel = pool_desc[i - 8][1], pool_desc[i - 8][2]
  if status.state == 'available' and has_room(status, channel) then
    redis.call('ZADD', KEYS[i], pool_score(family, status), agent_id)
  else
    redis.call('ZREM', KEYS[i], agent_id)
  end
end
task.state, task.agent, task.offer = 'queued', '', ''
put_json(TASKS, task.id, task)
redis.call('ZADD', KEYS[8], task_score(task), task.id)
event(ARGV[7], task.id, agent_id, {offer = ARGV[3], channel = task.channel})
return {'ok', agent_id}
