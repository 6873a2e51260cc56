-- annotate.lua: add or replace attributes of a task (survey score, voicemail URL, complaint
-- reference) without disturbing its routing state.
-- KEYS[1..6] common. ARGV[1..2] common; ARGV[3] task id; ARGV[4] JSON object of string values.
-- Returns {'unknown'} | {'ok'}.
local task = get_json(TASKS, ARGV[3])
if not task then return {'unknown'} end
if type(task.attributes) ~= 'table' then task.attributes = {} end
for k, v in pairs(cjson.decode(ARGV[4])) do task.attributes[k] = v end
put_json(TASKS, task.id, task)
event('annotated', task.id, nil, nil)
return {'ok'}
