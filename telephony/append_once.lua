-- append_once.lua: an inbound message joins its task's conversation and the webhook's
-- idempotency mark is set, in one step: Twilio redelivers a message whose webhook failed, and the
-- redelivery must store it if (and only if) the first delivery did not.
-- KEYS[1] the mark (STRING, keys.idempotency('message', MessageSid)); KEYS[2] the task's
--   conversation (LIST, keys.messages(task id)).
-- ARGV[1] the message JSON; ARGV[2] the mark's lifetime in seconds; ARGV[3] the conversation's
--   lifetime in seconds (renewed by every message).
-- Returns 1 when stored, 0 when the mark was already there (a redelivery: nothing changes).
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then
  redis.call('RPUSH', KEYS[2], ARGV[1])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  return 1
end
return 0
