-- otp_check.lua: try a one-time code, counting the attempt in the same step.
-- KEYS[1] the phone's pending code (HASH digest, attempts); KEYS[2] the phone's verified mark.
-- ARGV[1] HMAC of the code tried; ARGV[2] attempts allowed per code; ARGV[3] seconds the
--   verified mark lasts.
-- Returns {'ok'} (code deleted, phone marked verified) | {'wrong', attempts left} |
--   {'spent'} (that was the last attempt: code deleted) | {'none'} (no code, or it expired).
local digest = redis.call('HGET', KEYS[1], 'digest')
if not digest then return {'none'} end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if digest == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], '1', 'EX', tonumber(ARGV[3]))
  return {'ok'}
end
local left = tonumber(ARGV[2]) - attempts
if left <= 0 then
  redis.call('DEL', KEYS[1])
  return {'spent'}
end
return {'wrong', tostring(left)}
