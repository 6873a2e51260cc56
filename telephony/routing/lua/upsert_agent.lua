-- upsert_agent.lua: create or update an agent's profile; it leaves the pools of its old profile
-- (agent_ready puts it in the new ones).
-- KEYS[1..7] common; KEYS[8] agents (profiles); KEYS[9] agent_tokens; KEYS[10..] pools of the
--   old profile.
-- ARGV[1..2] common; ARGV[3] agent id; ARGV[4] profile JSON; ARGV[5] profile version the caller
--   read (0 for a new agent); ARGV[6] capacity JSON; ARGV[7] sha256 of a new token ('' keeps it).
-- Returns {'stale'} (changed meanwhile: read again) | {'ok', version, state, created 0/1}.
local agent_id = ARGV[3]
local status = get_json(STATUS, agent_id)
local old_version = status and status.v or 0
if old_version ~= tonumber(ARGV[5]) then return {'stale'} end
for i = 10, #KEYS do redis.call('ZREM', KEYS[i], agent_id) end
local old = get_json(KEYS[8], agent_id)
local profile = cjson.decode(ARGV[4])
profile.v = old_version + 1
profile.token = old and old.token or ''
if ARGV[7] ~= '' then
  if profile.token ~= '' then redis.call('HDEL', KEYS[9], profile.token) end
  profile.token = ARGV[7]
  redis.call('HSET', KEYS[9], ARGV[7], agent_id)
end
put_json(KEYS[8], agent_id, profile)
local created = 0
if not status then
  created = 1
  status = {state = 'offline', reason = '', since = NOW, idle = NOW, load = {}, tasks = {},
            missed = 0}
end
status.cap = cjson.decode(ARGV[6])
status.v = profile.v
put_status(agent_id, status)
event(created == 1 and 'agent_created' or 'agent_updated', nil, agent_id)
return {'ok', tostring(profile.v), status.state, created}
