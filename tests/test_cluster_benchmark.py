"""The cluster benchmark's runs, on a small site, so the script cannot rot."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.cluster import ClusterRun, print_table, run_nodes
from tests import newssite
from tests.siteserver import SiteServer


def test_two_nodes_report_their_pages_and_round_trips(tmp_path: Path) -> None:
    site = SiteServer("127.0.0.13")
    newssite.build_many(site, 12)
    site.start()
    try:
        run = run_nodes(2, site.url, tmp_path, timeout=120)
    finally:
        site.stop()
    assert run.failed == 0
    assert run.responses >= 14  # 12 articles, the hubs and robots.txt, fetched once in all
    assert run.articles == 12
    assert run.round_trips > 0
    assert run.cpu > run.redis_cpu > 0


def test_the_table_compares_one_node_with_one_process(capsys: pytest.CaptureFixture[str]) -> None:
    runs = [
        ClusterRun("(b) 1 process, no Redis", responses=100, seconds=10.0, cpu=5.0),
        ClusterRun("(c) 1 node + Redis", responses=100, seconds=11.0, cpu=5.5, round_trips=300),
    ]
    print_table(runs)
    out = capsys.readouterr().out
    assert "pages/s, 1 node on Redis / 1 process: 0.91" in out
    assert "3.00" in out  # round trips per page
