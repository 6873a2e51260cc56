-- set_state.lua: an agent goes available, on break (with a reason) or offline. Offers still
-- pending for an agent who leaves are returned to the caller to withdraw.
-- KEYS[1..7] common. ARGV[1..2] common; ARGV[3] agent id; ARGV[4] state; ARGV[5] reason.
-- Returns {'unknown'} | {'ok', version, offer, task, offer, task, ...}.
local agent_id, state = ARGV[3], ARGV[4]
local status = get_json(STATUS, agent_id)
if not status then return {'unknown'} end
if state ~= status.state then
  status.since = NOW
  if state == 'available' then status.idle = NOW end
  event('agent_state', nil, agent_id, {state = state, reason = ARGV[5]})
end
status.state = state
status.reason = state == 'break' and ARGV[5] or ''
if state == 'available' then status.missed = 0 end
put_status(agent_id, status)
local out = {'ok', tostring(status.v)}
if state ~= 'available' and type(status.tasks) == 'table' then
  for _, task_id in ipairs(status.tasks) do
    local task = get_json(TASKS, task_id)
    if task and task.state == 'reserved' then
      out[#out + 1] = task.offer
      out[#out + 1] = task_id
    end
  end
end
return out
