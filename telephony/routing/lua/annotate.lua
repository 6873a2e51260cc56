-- annotate.lua: add or replace attributes of a task (survey score, voicemail URL, complaint
-- reference) without disturbing its routing state; a closed task is annotated where it is (a
-- survey or a voicemail recording often arrives after the contact closed).
-- KEYS[1..7] common; KEYS[8] closed tasks. ARGV[1..2] common; ARGV[3] task id; ARGV[4] JSON
--   object of string values.
-- Returns {'unknown'} | {'ok'}.
local hash = TASKS
local task = get_json(hash, ARGV[3])
if not task then
  hash = KEYS[8]
  task = get_json(hash, ARGV[3])
end
if not task then return {'unknown'} end
if type(task.attributes) ~= 'table' then task.attributes = {} end
for k, v in pairs(cjson.decode(ARGV[4])) do task.attributes[k] = v end
put_json(hash, task.id, task)
event('annotated', task.id, nil, nil)
return {'ok'}
