"""Server-side steps of the shared frontier, each one atomic and one round trip (Lua scripts).

scrapy-redis pops a request and forgets it: a node killed before finishing it would lose it.
Here a pop moves the request into the node's lease hash, and a node whose heartbeat has expired
has its leases put back in the queue by whichever node notices first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis

from archiver.crawl.redis_link import FrontierKeys

# KEYS: dupefilter, queue, articles. ARGV: refresh, then (fingerprint, score, data, url) groups.
# A fingerprint of '' skips the duplicate filter (dont_filter); a url of '' skips the check of
# articles already archived.
_ENQUEUE = """
local added, dupes, archived = 0, 0, 0
for i = 2, #ARGV, 4 do
  local fp, url = ARGV[i], ARGV[i + 3]
  if fp ~= '' and redis.call('SADD', KEYS[1], fp) == 0 then
    dupes = dupes + 1
  elseif ARGV[1] == '0' and url ~= '' and redis.call('SISMEMBER', KEYS[3], url) == 1 then
    archived = archived + 1
  else
    redis.call('ZADD', KEYS[2], ARGV[i + 1], ARGV[i + 2])
    added = added + 1
  end
end
return {added, dupes, archived}
"""

# KEYS: queue, the node's leases. ARGV: how many. Returns the requests taken.
_TAKE = """
local items = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
local taken = {}
for i = 1, #items, 2 do
  local data = items[i]
  redis.call('HSET', KEYS[2], redis.sha1hex(data), items[i + 1] .. ' ' .. data)
  taken[#taken + 1] = data
end
if #taken > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, #taken - 1) end
return taken
"""

# KEYS: the node's heartbeat, its leases, queue. ARGV: '1' to requeue even if the node is alive.
_REQUEUE = """
if ARGV[1] ~= '1' and redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local all = redis.call('HGETALL', KEYS[2])
for i = 2, #all, 2 do
  local v = all[i]
  local sp = string.find(v, ' ', 1, true)
  redis.call('ZADD', KEYS[3], tonumber(string.sub(v, 1, sp - 1)), string.sub(v, sp + 1))
end
redis.call('DEL', KEYS[2])
return #all / 2
"""

# KEYS: the host's open connections, its next-send time, its waiting nodes (in line order), when
# each last asked (ms).
# ARGV: limit, expiry ms, delay ms, node, tokens to release (count, then tokens), tokens wanted
# (count, then tokens). Returns {tokens granted, ms to wait before asking again (0: ask when a
# connection ends)}. Waiting nodes are served in turn: a free connection goes to the node that
# has waited longest, and a node served goes to the back of the line, so a node that gives a
# connection back cannot take it again at once while another node waits for it.
_HOST_SLOTS = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, expiry, delay = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local node = ARGV[4]
local nrel = tonumber(ARGV[5])
for i = 6, 5 + nrel do redis.call('ZREM', KEYS[1], ARGV[i]) end
local at = 6 + nrel
local nwant = tonumber(ARGV[at])
if nwant == 0 then
  redis.call('ZREM', KEYS[3], node)
  redis.call('HDEL', KEYS[4], node)
  return {0, 0}
end
local asked = redis.call('HGETALL', KEYS[4])
local gone = now - 2000 - 2 * delay
for i = 1, #asked, 2 do
  if tonumber(asked[i + 1]) < gone then
    redis.call('ZREM', KEYS[3], asked[i])
    redis.call('HDEL', KEYS[4], asked[i])
  end
end
local function back_of_line()
  local last = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')
  return #last > 0 and tonumber(last[2]) + 1 or 0
end
redis.call('HSET', KEYS[4], node, now)
if not redis.call('ZSCORE', KEYS[3], node) then
  redis.call('ZADD', KEYS[3], back_of_line(), node)
end
local ahead = redis.call('ZRANK', KEYS[3], node)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if nxt > now then return {0, nxt - now} end
local free = limit - redis.call('ZCARD', KEYS[1]) - ahead
if free <= 0 then return {0, 0} end
if delay > 0 then free = 1 end
local granted = math.min(free, nwant)
for i = 1, granted do redis.call('ZADD', KEYS[1], now + expiry, ARGV[at + i]) end
redis.call('ZREM', KEYS[3], node)
if granted < nwant then
  redis.call('ZADD', KEYS[3], back_of_line(), node)
else
  redis.call('HDEL', KEYS[4], node)
end
if delay > 0 then redis.call('SET', KEYS[2], now + delay, 'PX', delay + 1000) end
return {granted, delay}
"""


# KEYS: the node's leases, queue. ARGV: lease ids to put back in the queue.
_REQUEUE_SOME = """
local n = 0
for i = 1, #ARGV do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if v then
    local sp = string.find(v, ' ', 1, true)
    redis.call('ZADD', KEYS[2], tonumber(string.sub(v, 1, sp - 1)), string.sub(v, sp + 1))
    redis.call('HDEL', KEYS[1], ARGV[i])
    n = n + 1
  end
end
return n
"""


def lease_id(data: bytes) -> str:
    """The field of a leased request in its node's lease hash (as the server computes it)."""
    return hashlib.sha1(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Enqueued:
    """What one batch of requests came to: queued, already seen, already archived."""

    added: int
    duplicates: int
    archived: int


@dataclass(slots=True)
class Grant:
    """A host's answer: how many connections we may open now, and how long to wait otherwise."""

    granted: int
    wait_ms: int


class FrontierScripts:
    """The frontier's atomic steps, bound to one client and one set of keys."""

    def __init__(self, client: redis.Redis, keys: FrontierKeys) -> None:
        self.client = client
        self.keys = keys
        self._enqueue = client.register_script(_ENQUEUE)
        self._take = client.register_script(_TAKE)
        self._requeue = client.register_script(_REQUEUE)
        self._requeue_some = client.register_script(_REQUEUE_SOME)
        self._host_slots = client.register_script(_HOST_SLOTS)

    def enqueue(
        self,
        batch: Sequence[tuple[str, float, bytes, str]],
        refresh: bool,
        pipe: redis.client.Pipeline | None = None,
    ) -> None:
        """Queue requests (fingerprint, score, data, url) not seen before; on ``pipe`` if given."""
        args: list[Any] = ["1" if refresh else "0"]
        for fingerprint, score, data, url in batch:
            args += [fingerprint, score, data, url]
        keys = [self.keys.dupefilter, self.keys.queue, self.keys.articles]
        self._enqueue(keys=keys, args=args, client=pipe)

    @staticmethod
    def enqueued(answer: Sequence[int]) -> Enqueued:
        """The figures of one enqueue, from the script's answer."""
        return Enqueued(int(answer[0]), int(answer[1]), int(answer[2]))

    def take(self, node: str, count: int, pipe: redis.client.Pipeline | None = None) -> None:
        """Lease up to ``count`` requests from the queue's head to ``node``."""
        self._take(keys=[self.keys.queue, self.keys.leases(node)], args=[count], client=pipe)

    def requeue(self, node: str, force: bool = False) -> int:
        """Put ``node``'s leased requests back in the queue if its heartbeat expired (or
        ``force``); the number requeued, or -1 if the node is alive."""
        keys = [self.keys.alive(node), self.keys.leases(node), self.keys.queue]
        return int(self._requeue(keys=keys, args=["1" if force else "0"]))

    def requeue_some(self, node: str, ids: Sequence[str]) -> int:
        """Put the leases ``ids`` of ``node`` back in the queue; how many there were."""
        keys = [self.keys.leases(node), self.keys.queue]
        return int(self._requeue_some(keys=keys, args=list(ids))) if ids else 0

    def host_slots(
        self,
        host: str,
        node: str,
        limit: int,
        expiry_ms: int,
        delay_ms: int,
        release: Sequence[str],
        want: Sequence[str],
    ) -> Grant:
        """Give back ``release`` and ask, for ``node``, for connections to ``host`` under the
        cluster's limit, in turn with the other nodes waiting for it."""
        keys = [
            self.keys.host_slots(host),
            self.keys.host_next(host),
            self.keys.host_waiters(host),
            self.keys.host_asked(host),
        ]
        args: list[Any] = [limit, expiry_ms, delay_ms, node, len(release), *release]
        args += [len(want), *want]
        granted, wait = self._host_slots(keys=keys, args=args)
        return Grant(int(granted), int(wait))
