-- agent_ready.lua: an agent who may take work (became available, or freed capacity) takes the
-- best waiting tasks it can serve, then its pool entries are refreshed with true scores.
-- KEYS[1..7] common; KEYS[8 .. 7+P] the agent's pools; KEYS[8+P ..] wait lists it may serve.
-- ARGV[1..2] common; ARGV[3] agent id; ARGV[4] profile version the keys were computed from;
--   ARGV[5] P; ARGV[6] JSON [[family, channel], ...] per pool; ARGV[7] JSON [channel, ...] per
--   wait list.
-- Returns {'none'} (unknown agent) | {'stale'} (profile changed: read again) |
--   {'ok', offer, task, agent, expires, offer, task, agent, expires, ...}.
local agent_id = ARGV[3]
local status = get_json(STATUS, agent_id)
if not status then return {'none'} end
if status.v ~= tonumber(ARGV[4]) then return {'stale'} end
local npools = tonumber(ARGV[5])
local pool_desc = cjson.decode(ARGV[6])
local wait_channels = cjson.decode(ARGV[7])
local out = {'ok'}

while status.state == 'available' do
  local best_key, best_id, best_score
  for j, channel in ipairs(wait_channels) do
    if has_room(status, channel) then
      local key = KEYS[7 + npools + j]
      local head = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
      if #head > 0 then
        local id, score = head[1], tonumber(head[2])
        if not best_id or score < best_score or (score == best_score and id < best_id) then
          best_key, best_id, best_score = key, id, score
        end
      end
    end
  end
  if not best_id then break end
  local offer = reserve(get_json(TASKS, best_id), best_key, agent_id, status)
  for _, v in ipairs(offer) do out[#out + 1] = v end
end

for i = 1, npools do
  local family, channel = pool_desc[i][1], pool_desc[i][2]
  if status.state == 'available' and has_room(status, channel) then
    redis.call('ZADD', KEYS[7 + i], pool_score(family, status), agent_id)
  else
    redis.call('ZREM', KEYS[7 + i], agent_id)
  end
end
return out
