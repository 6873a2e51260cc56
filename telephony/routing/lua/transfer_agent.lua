-- transfer_agent.lua: a transfer to a named agent, in three steps.
--   'ring': the target is dialled into the call's conference: it must be available with room
--     for the channel, and its capacity is taken for the task at once (so that no other call is
--     offered to it while it rings); the task's attributes say a transfer is under way
--     (transfer_to, transfer_mode, transfer_state 'ringing', transfer_leg '').
--   'move': the target answered (cold) or the first agent handed over (warm): the task is the
--     target's, its leg the task's agent leg (bridged with the customer), and the first agent is
--     released (no wrap-up: the conversation goes on).
--   'drop': the transfer did not happen (no answer, cancelled, the call ended meanwhile): the
--     target is released; a task no longer assigned, or already closed, is dropped too.
-- KEYS[1..7] common; KEYS[8] closed tasks.
-- ARGV[1..2] common; ARGV[3] task id; ARGV[4] 'ring' | 'move' | 'drop'; ARGV[5] the target
--   agent (ring) or the target's call sid (move); ARGV[6] mode 'cold' | 'warm' (ring).
-- Returns {'unknown'} | {'state', state} | {'idle'} (no transfer under way) | {'same'} (ring:
--   the task's own agent) | {'no_agent'} | {'unavailable', state} | {'ok', released agent or ''}.
local hash = TASKS
local task = get_json(hash, ARGV[3])
if not task and ARGV[4] == 'drop' then
  hash = KEYS[8]
  task = get_json(hash, ARGV[3])
end
if not task then return {'unknown'} end
if type(task.attributes) ~= 'table' then task.attributes = {} end
local attrs = task.attributes
local target = attrs.transfer_to or ''
if ARGV[4] ~= 'drop' and task.state ~= 'assigned' then return {'state', task.state} end

if ARGV[4] == 'ring' then
  if target ~= '' then return {'state', 'transferring'} end
  local id = ARGV[5]
  if id == task.agent then return {'same'} end
  local status = get_json(STATUS, id)
  if not status then return {'no_agent'} end
  if status.state ~= 'available' or not has_room(status, task.channel) then
    return {'unavailable', status.state}
  end
  take(status, task)
  put_status(id, status)
  attrs.transfer_to, attrs.transfer_mode, attrs.transfer_state, attrs.transfer_leg =
    id, ARGV[6], 'ringing', ''
  put_json(hash, task.id, task)
  event('transfer_ringing', task.id, id, {from_agent = task.agent, mode = ARGV[6]})
  return {'ok', ''}
end

if target == '' then return {'idle'} end
local released = target
if ARGV[4] == 'move' then
  released = task.agent
  attrs.transfer, attrs.transferred_by, attrs.agent_leg = 'yes', task.agent, ARGV[5]
  attrs.bridged = 'yes'  -- the target talks with the customer in the conference
  task.agent = target
  stat(task.queue, task.channel, 'transferred', 1)
  event('transferred', task.id, target, {from_agent = released})
else
  event('transfer_dropped', task.id, target)
end
attrs.transfer_to, attrs.transfer_mode, attrs.transfer_state, attrs.transfer_leg = '', '', '', ''
put_json(hash, task.id, task)
local status = get_json(STATUS, released)
if status then
  release(status, task)
  put_status(released, status)
end
return {'ok', released}
