"""Nodes take turns at a host's connections: the script behind cluster-wide politeness."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.crawl.leases import FrontierScripts
from archiver.crawl.redis_link import FrontierKeys
from tests.redisserver import RedisServer

HOST = "127.0.0.9:8000"
EXPIRY_MS = 60_000


@pytest.fixture
def scripts(tmp_path: Path) -> Iterator[FrontierScripts]:
    """The frontier's scripts on a real redis-server."""
    server = RedisServer(tmp_path / "redis").start()
    try:
        yield FrontierScripts(server.client(), FrontierKeys("archiver"))
    finally:
        server.stop()


def ask(scripts: FrontierScripts, node: str, release: list[str], want: list[str]) -> int:
    """Connections granted to ``node`` with no download delay."""
    return scripts.host_slots(HOST, node, 2, EXPIRY_MS, 0, release, want).granted


def test_a_node_giving_a_connection_back_cannot_retake_it_while_another_waits(scripts):
    assert ask(scripts, "n1", [], ["a", "b"]) == 2  # the host's limit
    assert ask(scripts, "n2", [], ["x"]) == 0  # n2 waits in line
    assert ask(scripts, "n1", ["a"], ["c"]) == 0  # n1 gives one back: it is n2's turn
    assert ask(scripts, "n2", [], ["x"]) == 1
    assert ask(scripts, "n1", ["b"], ["c"]) == 1  # n2 is served: n1 takes the next one
    assert ask(scripts, "n3", [], ["y"]) == 0  # full: n3 waits
    assert ask(scripts, "n2", ["x"], ["z"]) == 0  # n2 gives one back: n3 has waited longer
    assert ask(scripts, "n3", [], ["y"]) == 1


def test_nodes_that_want_more_than_the_limit_alternate(scripts):
    assert ask(scripts, "n1", [], ["a", "b", "c"]) == 2  # served, and in line for a third
    assert ask(scripts, "n2", [], ["x", "y"]) == 0  # in line behind n1
    assert ask(scripts, "n1", ["a"], ["c"]) == 1  # n1 asked first; now it is behind n2
    assert ask(scripts, "n1", ["b"], ["d"]) == 0  # n2's turn, though n1 just gave one back
    assert ask(scripts, "n2", [], ["x", "y"]) == 1
    assert ask(scripts, "n2", ["x"], ["y"]) == 0  # and now n1's
    assert ask(scripts, "n1", [], ["d"]) == 1


def test_a_node_that_stopped_asking_does_not_hold_the_line(scripts):
    assert ask(scripts, "n1", [], ["a", "b"]) == 2
    assert ask(scripts, "n2", [], ["x"]) == 0  # n2 waits, then dies without asking again
    assert ask(scripts, "n1", ["a"], ["c"]) == 0
    time.sleep(2.2)  # a waiting node asks every 50 ms; after 2 s it is taken for gone
    assert ask(scripts, "n1", [], ["c"]) == 1


def test_a_node_that_wants_nothing_more_leaves_the_line(scripts):
    assert ask(scripts, "n1", [], ["a", "b"]) == 2
    assert ask(scripts, "n2", [], ["x"]) == 0
    assert ask(scripts, "n2", [], []) == 0  # its queue for the host ran dry
    assert ask(scripts, "n1", ["a"], ["c"]) == 1  # nobody waits: n1 may take it again
