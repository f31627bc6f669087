// Lua scripts that run the token buckets and pauses atomically inside Redis, on Redis's clock, for a whole fleet.

/**
 * KEYS: requests bucket, tokens bucket, pause. ARGV: requestsPerMinute (0: none), tokensPerMinute (0: none), token cost.
 * Returns 0 when granted (and takes), else milliseconds to wait (and takes nothing). Mirrors token-bucket.ts.
 */
export const acquireScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
if paused > now then return paused - now end
local function level(key, capacity)
  local values = redis.call('HMGET', key, 'tokens', 'updatedAt')
  local tokens = tonumber(values[1])
  local updated = tonumber(values[2])
  if tokens == nil or updated == nil then return capacity end
  if now > updated then tokens = math.min(capacity, tokens + (now - updated) * capacity / 60000) end
  return tokens
end
local rpm = tonumber(ARGV[1])
local tpm = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local wait = 0
local requests = 0
local tokens = 0
if rpm > 0 then
  requests = level(KEYS[1], rpm)
  if requests < 1 then wait = math.max(wait, math.ceil((1 - requests) * 60000 / rpm)) end
end
if tpm > 0 and cost > 0 then
  tokens = level(KEYS[2], tpm)
  local missing = math.min(cost, tpm) - tokens
  if missing > 0 then wait = math.max(wait, math.ceil(missing * 60000 / tpm)) end
end
if wait > 0 then return wait end
if rpm > 0 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(requests - 1), 'updatedAt', tostring(now))
  redis.call('PEXPIRE', KEYS[1], 120000)
end
if tpm > 0 and cost > 0 then
  redis.call('HSET', KEYS[2], 'tokens', tostring(math.max(-tpm, tokens - math.min(cost, tpm))), 'updatedAt', tostring(now))
  redis.call('PEXPIRE', KEYS[2], 120000)
end
return 0
`;

/** KEYS: pause. ARGV: until (epoch ms). Only ever extends a pause; it expires by itself shortly after. */
export const pauseScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local untilAt = tonumber(ARGV[1])
if untilAt > current and untilAt > now then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', math.floor(untilAt - now) + 1000)
end
return 0
`;

/** KEYS: tokens bucket. ARGV: tokensPerMinute, delta (positive: the estimate was low). */
export const correctScript = `
local values = redis.call('HMGET', KEYS[1], 'tokens', 'updatedAt')
local tokens = tonumber(values[1])
if tokens == nil then return 0 end
local capacity = tonumber(ARGV[1])
local next = math.max(-capacity, math.min(capacity, tokens - tonumber(ARGV[2])))
redis.call('HSET', KEYS[1], 'tokens', tostring(next))
return 0
`;
