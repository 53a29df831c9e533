"""The link to the Redis server holding a shared frontier: connection, key names, round trips."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import redis
from redis.connection import Connection, SSLConnection

# Every Redis error that means "the server is not there right now" (as opposed to a bug).
UNREACHABLE = (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError, OSError)
NODE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


class FrontierError(Exception):
    """A shared frontier that cannot be used: Redis unreachable, refused, or a node name taken."""


class RoundTrips:
    """How many times this process has sent Redis a command or a pipeline and read the answer."""

    count = 0


class CountingConnection(Connection):
    """A plain TCP connection that counts round trips (a pipeline is one)."""

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        RoundTrips.count += 1
        super().send_packed_command(command, check_health)  # type: ignore[no-untyped-call]


class CountingSSLConnection(SSLConnection):
    """A TLS connection (``rediss://``) that counts round trips."""

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        RoundTrips.count += 1
        super().send_packed_command(command, check_health)  # type: ignore[no-untyped-call]


def redacted(url: str) -> str:
    """``url`` without its password, fit for a log line or an error message."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    where = f"{host}:{parts.port or 6379}{parts.path or ''}"
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{where}"


def connect(url: str, password_env: str = "", timeout: float = 5.0) -> redis.Redis:
    """A client for ``url`` (``redis://`` or ``rediss://``); the password may come from the
    environment variable ``password_env`` when the URL carries none."""
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"}:
        raise FrontierError(f"frontier URL must start with redis:// or rediss://, not {url!r}")
    options: dict[str, Any] = {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "health_check_interval": 30,
        "connection_class": CountingSSLConnection
        if parts.scheme == "rediss"
        else CountingConnection,
    }
    password = os.environ.get(password_env) if password_env else None
    if password and not parts.password:
        options["password"] = password
    return redis.Redis.from_url(url, **options)


def check_reachable(client: redis.Redis, url: str) -> None:
    """Raise :class:`FrontierError` with one line if the server cannot be reached or refuses us."""
    try:
        client.ping()
    except redis.AuthenticationError as exc:
        raise FrontierError(f"Redis at {redacted(url)} refused the credentials: {exc}") from exc
    except redis.ResponseError as exc:  # NOAUTH and friends
        raise FrontierError(f"Redis at {redacted(url)} refused the connection: {exc}") from exc
    except UNREACHABLE as exc:
        raise FrontierError(f"cannot reach Redis at {redacted(url)}: {exc}") from exc


def check_node_name(name: str) -> str:
    """``name`` if it can name a node (Redis keys, file names); else :class:`FrontierError`."""
    if not NODE_NAME.match(name):
        raise FrontierError(
            f"node name {name!r} must start with a letter or digit and use only letters,"
            " digits, '.', '_' and '-' (at most 63)"
        )
    return name


@dataclass(frozen=True, slots=True)
class FrontierKeys:
    """The Redis keys of one shared crawl, all under one prefix."""

    prefix: str = "archiver"

    @property
    def queue(self) -> str:
        """Sorted set of serialized requests (scrapy-redis's priority queue)."""
        return f"{self.prefix}:requests"

    @property
    def dupefilter(self) -> str:
        """Set of request fingerprints ever scheduled (scrapy-redis's duplicate filter)."""
        return f"{self.prefix}:dupefilter"

    @property
    def seeds(self) -> str:
        """Set of the seeds any node was given."""
        return f"{self.prefix}:seeds"

    @property
    def articles(self) -> str:
        """Set of article URLs some node has archived."""
        return f"{self.prefix}:articles"

    @property
    def nodes(self) -> str:
        """Set of node names that ever joined."""
        return f"{self.prefix}:nodes"

    def node(self, name: str) -> str:
        """Hash of a node's figures: last seen, pages, errors, round trips, state."""
        return f"{self.prefix}:node:{name}"

    def alive(self, name: str) -> str:
        """A node's heartbeat: exists while the node is alive (expires after the lease timeout)."""
        return f"{self.prefix}:alive:{name}"

    def leases(self, name: str) -> str:
        """Hash of the requests a node has taken and not finished: digest -> request."""
        return f"{self.prefix}:leases:{name}"

    def host_slots(self, host: str) -> str:
        """Sorted set of a host's open connections across the cluster: token -> expiry."""
        return f"{self.prefix}:host:{host}:slots"

    def host_next(self, host: str) -> str:
        """When the cluster may next send a request to a host (download delay), in ms."""
        return f"{self.prefix}:host:{host}:next"

    def host_waiters(self, host: str) -> str:
        """Sorted set of the nodes waiting for a connection to a host: node -> since when (ms)."""
        return f"{self.prefix}:host:{host}:waiters"

    def host_asked(self, host: str) -> str:
        """Hash of when each waiting node last asked for a host (ms), to forget departed ones."""
        return f"{self.prefix}:host:{host}:asked"

    def robots(self, netloc: str) -> str:
        """The robots.txt body one node fetched for ``netloc``, for every node."""
        return f"{self.prefix}:robots:{netloc}"

    def robots_lock(self, netloc: str) -> str:
        """Held by the node fetching ``netloc``'s robots.txt."""
        return f"{self.prefix}:robots-lock:{netloc}"

    @property
    def pattern(self) -> str:
        """Every key of the crawl (for ``frontier clear``)."""
        return f"{self.prefix}:*"
