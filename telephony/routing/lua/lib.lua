-- lib.lua: helpers prepended to every routing script (Redis 6.2 has no shared functions).
-- The policy's numbers and orderings (PRIORITY_WEIGHT, FAMILY_WEIGHT, BEST_LEVEL_FIRST) come
-- from the prelude that telephony/routing/scripts.py generates from policy/rules.py and puts
-- before this file; the functions below mirror rules.py's task_score, has_room and agent_score
-- (tests/routing/test_lua_rules.py checks that they agree).
--
-- Every script's KEYS start with the same six keys:
--   KEYS[1] agent_status  HASH agent id -> status JSON
--   KEYS[2] tasks         HASH task id -> task JSON
--   KEYS[3] timers        ZSET "offer|<offer>", "step|<task>|<k>", "wrap|<task>" -> due time
--   KEYS[4] events        STREAM of lifecycle changes (the last ~EVENTS_KEPT entries)
--   KEYS[5] stats         HASH of today's counters "queue|channel|bucket|metric" (expires
--                         STATS_TTL seconds after its last change)
--   KEYS[6] contacts      STREAM of closed contacts (for the contact-record CSV; each entry is
--                         deleted by the contact log once its row is fsynced)
--   KEYS[7] agent_day     HASH of today's counters per agent "agent|metric" and
--                         "agent|time|<shown state>" (expires as stats)
-- and ARGV with the same two values (a script's own KEYS and ARGV follow these):
--   ARGV[1] now (epoch seconds, millisecond precision), ARGV[2] config JSON:
--   {"ch": {"<channel>": {"t": offer timeout, "x": 1 if exclusive, "g": answer target}},
--    "wrap": {"<queue>": wrap-up seconds}, "missed": max missed offers, "bucket": "HH:MM",
--    "day0": start of the local day (epoch seconds)}
--
-- Pools ("pool:<family>:<channel>:<skill>:<level>:<language>") are cleaned lazily: an agent
-- who may take work is always present with a score no higher than its true score; a reader
-- that finds a head which is ineligible removes it, and one whose score is stale re-adds it
-- with the true score, then looks again. Agent-side scripts re-add eagerly.

local STATUS, TASKS, TIMERS, EVENTS, STATS, CONTACTS, AGENT_DAY = KEYS[1], KEYS[2], KEYS[3],
  KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local NOW = tonumber(ARGV[1])
local CFG = cjson.decode(ARGV[2])
-- The events stream feeds live readers (connector, wallboard, desk) that follow its tail:
-- 100,000 entries are hours of a busy centre's traffic, about 12 MB (benchmarks/memory.py).
local EVENTS_KEPT = 100000
-- A day's counters serve today's wallboard and a look back over the last week.
local STATS_TTL = 8 * 86400
local stats_expiry_set = false
local agent_day_expiry_set = false

local function get_json(hash, id)
  local raw = redis.call('HGET', hash, id)
  if not raw then return nil end
  return cjson.decode(raw)
end

local function put_json(hash, id, value)
  redis.call('HSET', hash, id, cjson.encode(value))
end

local function event(kind, task_id, agent_id, extra)
  local fields = {'type', kind, 'at', tostring(NOW), 'task', task_id or '', 'agent', agent_id or ''}
  if extra then
    for k, v in pairs(extra) do
      fields[#fields + 1] = k
      fields[#fields + 1] = tostring(v)
    end
  end
  redis.call('XADD', EVENTS, 'MAXLEN', '~', EVENTS_KEPT, '*', unpack(fields))
end

local function stat(queue, channel, metric, amount)
  local base = queue .. '|' .. channel .. '|'
  redis.call('HINCRBYFLOAT', STATS, base .. 'day|' .. metric, amount)
  redis.call('HINCRBYFLOAT', STATS, base .. CFG.bucket .. '|' .. metric, amount)
  if not stats_expiry_set then
    redis.call('EXPIRE', STATS, STATS_TTL)
    stats_expiry_set = true
  end
end

-- One of today's counters of an agent (contacts handled, handle time, time per shown state).
local function agent_stat(agent_id, metric, amount)
  redis.call('HINCRBYFLOAT', AGENT_DAY, agent_id .. '|' .. metric, amount)
  if not agent_day_expiry_set then
    redis.call('EXPIRE', AGENT_DAY, STATS_TTL)
    agent_day_expiry_set = true
  end
end

-- What a supervisor sees an agent doing (router.py `_agent_view` says the same): busy while it
-- holds offered or live work, wrap-up when only wrapping tasks are left, else its own state.
local function shown_state(status)
  local tasks = status.tasks
  if type(tasks) ~= 'table' or next(tasks) == nil then return status.state end
  for _, id in ipairs(tasks) do
    local task = get_json(TASKS, id)
    if not task or task.state ~= 'wrapping' then
      return status.state == 'available' and 'busy' or status.state
    end
  end
  return 'wrap-up'
end

-- Store an agent's status after its tasks are stored. When the shown state changes, the time
-- spent in the old one (today's part of it) goes to today's counters and `shown_since` starts
-- again: the "since" the agents page shows, reset by calls and wrap-ups, not only by the
-- agent's own state changes (`since`).
local function put_status(agent_id, status)
  local shown = shown_state(status)
  if shown ~= status.shown then
    if status.shown then
      local spent = NOW - math.max(status.shown_since or NOW, CFG.day0)
      if spent > 0 then agent_stat(agent_id, 'time|' .. status.shown, spent) end
    end
    status.shown, status.shown_since = shown, NOW
  end
  put_json(STATUS, agent_id, status)
end

local function task_score(task)
  return -task.priority * PRIORITY_WEIGHT + task.created
end

local function task_count(status)
  local n = 0
  for _, v in pairs(status.load) do n = n + v end
  return n
end

-- Channel capacity left, with exclusive channels (voice) taking the whole agent.
local function has_room(status, channel)
  local load = status.load[channel] or 0
  if load >= (status.cap[channel] or 0) then return false end
  for ch, n in pairs(status.load) do
    if n > 0 and CFG.ch[ch] and CFG.ch[ch].x == 1 then return false end
  end
  if CFG.ch[channel].x == 1 and task_count(status) > 0 then return false end
  return true
end

local function pool_score(family, status)
  return task_count(status) * FAMILY_WEIGHT[family] + status.idle
end

-- The valid head (id, score, status) of one pool for `channel` work, cleaning as it reads.
local function pool_head(key, family, channel)
  while true do
    local head = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    if #head == 0 then return nil end
    local id, score = head[1], tonumber(head[2])
    local status = get_json(STATUS, id)
    if not status or status.state ~= 'available' or not has_room(status, channel) then
      redis.call('ZREM', key, id)
    else
      local true_score = pool_score(family, status)
      if score == true_score then return id, score, status end
      redis.call('ZADD', key, true_score, id)
    end
  end
end

-- Choose an agent for `channel` work among pools given best level first.
-- A mode (queue selection) with BEST_LEVEL_FIRST: the first pool with a valid head wins;
-- otherwise the lowest (score, id) of all pools.
local function pick_agent(pool_keys, family, mode, channel)
  local best_id, best_score, best_status
  for _, key in ipairs(pool_keys) do
    local id, score, status = pool_head(key, family, channel)
    if id then
      if BEST_LEVEL_FIRST[mode] then return id, status end
      if not best_id or score < best_score or (score == best_score and id < best_id) then
        best_id, best_score, best_status = id, score, status
      end
    end
  end
  return best_id, best_status
end

local function remove_item(list, item)
  local out = {}
  for _, v in ipairs(list) do
    if v ~= item then out[#out + 1] = v end
  end
  return out
end

-- Put a task on an agent (the inverse of `release`): load up, in its task list.
local function take(status, task)
  status.load[task.channel] = (status.load[task.channel] or 0) + 1
  local tasks = status.tasks
  if type(tasks) ~= 'table' or next(tasks) == nil then tasks = {} end
  tasks[#tasks + 1] = task.id
  status.tasks = tasks
  status.idle = NOW
end

-- Offer `task` to an agent: one atomic step with the choice that preceded it.
local function reserve(task, wait_key, agent_id, status)
  task.attempts = task.attempts + 1
  task.offer = task.id .. '.' .. task.attempts
  task.offer_expires = NOW + CFG.ch[task.channel].t
  task.state = 'reserved'
  task.agent = agent_id
  take(status, task)
  redis.call('ZREM', wait_key, task.id)
  redis.call('ZADD', TIMERS, task.offer_expires, 'offer|' .. task.offer)
  put_json(TASKS, task.id, task)
  put_status(agent_id, status)
  event('reserved', task.id, agent_id, {offer = task.offer, expires = task.offer_expires,
                                        channel = task.channel})
  return {task.offer, task.id, agent_id, tostring(task.offer_expires)}
end

-- Offer a waiting `task` to the best agent in the pools KEYS[first_pool..] (best level first),
-- as the script's reply: {'queued'} when none can take it, else {'reserved', offer, task,
-- agent, expires}.
local function offer_to_best(task, wait_key, first_pool, family, mode)
  local pools = {}
  for i = first_pool, #KEYS do pools[#pools + 1] = KEYS[i] end
  local agent_id, status = pick_agent(pools, family, mode, task.channel)
  if not agent_id then return {'queued'} end
  local offer = reserve(task, wait_key, agent_id, status)
  return {'reserved', offer[1], offer[2], offer[3], offer[4]}
end

-- Take a task off an agent (offer returned, task ended): load down, back of the idle line.
local function release(status, task)
  status.load[task.channel] = (status.load[task.channel] or 1) - 1
  if status.load[task.channel] <= 0 then status.load[task.channel] = nil end
  local tasks = status.tasks
  if type(tasks) ~= 'table' or next(tasks) == nil then tasks = {} end
  status.tasks = remove_item(tasks, task.id)
  status.idle = NOW
  if next(status.load) == nil then status.load = {} end
end

-- The task is answered (at accept; a voice call once caller and agent are bridged): its
-- answer time and today's answer counters of the queue it came in by, once.
local function answer(task)
  task.answered_at = NOW
  local wait = NOW - task.created
  stat(task.origin_queue, task.channel, 'answered', 1)
  stat(task.origin_queue, task.channel, 'wait_sum', wait)
  if wait <= CFG.ch[task.channel].g then
    stat(task.origin_queue, task.channel, 'answered_in_target', 1)
  end
  return wait
end

-- The closed contact, for the daily contact-record CSV.
local function contact_record(task, outcome)
  redis.call('XADD', CONTACTS, '*',
    'task_id', task.id, 'channel', task.channel, 'queue', task.queue,
    'origin_queue', task.origin_queue, 'language', task.language,
    'created_at', tostring(task.created), 'answered_at', tostring(task.answered_at or ''),
    'ended_at', tostring(task.ended_at or NOW), 'closed_at', tostring(NOW),
    'agent_id', task.agent or '',
    'outcome', outcome, 'attributes', cjson.encode(task.attributes))
end
