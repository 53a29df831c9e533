"""Memento (RFC 7089) and the CDX API through ``archiver replay``: an article crawled twice."""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote

import pytest

from archiver.serving.replay import capture_timestamp, to_datetime
from tests.archive_servers import ArchiverServer, fetch, free_port, query
from tests.conftest import EDIT_AFTER, EDIT_BEFORE, EDITED_PAGE, copy_archive

# <target>; name="value"; … (values may hold commas: datetimes do)
LINK = re.compile(r'<([^>]+)>((?:\s*;\s*[\w-]+="[^"]*")*)')


@pytest.fixture(scope="module")
def twice(
    appeal_archive: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str, list[str]]:
    """A copy of the appeal archive (replay writes its index beside the WARC files), the URL of
    the article edited between its two crawls, and its two captures' timestamps."""
    work = copy_archive(appeal_archive[0], tmp_path_factory.mktemp("memento"))
    url = appeal_archive[1] + EDITED_PAGE
    captures = query(
        work / "news.db", "SELECT fetched_at FROM captures WHERE url = ? ORDER BY id", url
    )
    stamps = [capture_timestamp(row["fetched_at"]) for row in captures]
    assert len(stamps) == 2 and stamps[0] < stamps[1], stamps
    return work, url, stamps


@pytest.fixture(scope="module")
def wayback(twice: tuple[Path, str, list[str]]) -> Iterator[ArchiverServer]:
    args = ["replay", "--warc-dir", "warcs"]
    with ArchiverServer(args, free_port(), twice[0], ready_path="/archive/") as server:
        yield server


def links(header: str) -> list[tuple[str, str, dict[str, str]]]:
    """(target, rel, attributes) of each link in a Link header or link-format body."""
    found = []
    for target, rest in LINK.findall(header):
        attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', rest))
        found.append((target, attributes.pop("rel", ""), attributes))
    return found


def get(
    server: ArchiverServer, path: str, headers: dict[str, str]
) -> tuple[http.client.HTTPResponse, bytes]:
    """A GET with headers, redirects not followed: the response and its body."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def test_timemap_lists_both_mementos(twice, wayback):
    _, url, stamps = twice
    status, mime, body = fetch(f"{wayback.base}/archive/timemap/link/{url}")
    assert status == 200
    assert mime.startswith("application/link-format")
    entries = links(body.decode())
    mementos = [(target, attrs["datetime"]) for target, rel, attrs in entries if rel == "memento"]
    assert [parsedate_to_datetime(when).strftime("%Y%m%d%H%M%S") for _, when in mementos] == stamps
    assert [target for target, _ in mementos] == [
        f"{wayback.base}/archive/{stamp}mp_/{url}" for stamp in stamps
    ]
    rels = {rel: target for target, rel, _ in entries}
    assert rels["original"] == url
    assert rels["timegate"] == f"{wayback.base}/archive/{url}"
    # each memento is the page as it was then: the sentence edited between the crawls
    first, second = (fetch(target)[2].decode() for target, _ in mementos)
    assert EDIT_BEFORE in first and EDIT_AFTER not in first
    assert EDIT_AFTER in second


def test_timemap_as_json(twice, wayback):
    _, url, stamps = twice
    status, _, body = fetch(f"{wayback.base}/archive/timemap/json/{url}")
    assert status == 200
    lines = [json.loads(line) for line in body.decode().splitlines()]
    assert [line["timestamp"] for line in lines] == stamps


def asked_and_nearest(stamps: list[str]) -> list[tuple[str, str]]:
    """Accept-Datetime values around the two captures, each with the capture nearest it."""
    first, second = (to_datetime(stamp) for stamp in stamps)
    middle = first + (second - first) / 2
    return [
        (format_datetime(asked, usegmt=True), expected)
        for asked, expected in (
            (first - timedelta(days=30), stamps[0]),  # before every capture: the first
            (middle - timedelta(seconds=1), stamps[0]),
            (middle + timedelta(seconds=1), stamps[1]),
            (second + timedelta(days=30), stamps[1]),  # after every capture: the latest
        )
    ]


@pytest.mark.parametrize("mode", ["mp_", "id_"])
def test_timegate_answers_with_the_nearest_memento(twice, wayback, mode):
    _, url, stamps = twice
    for accept, expected in asked_and_nearest(stamps):
        response, body = get(wayback, f"/archive/{mode}/{url}", {"Accept-Datetime": accept})
        assert response.status == 200, (accept, response.status)
        # RFC 7089's 200-style negotiation: the memento itself, and where it lives
        location = f"{wayback.base}/archive/{expected}{mode}/{url}"
        assert response.headers["Content-Location"] == location, accept
        memento = parsedate_to_datetime(response.headers["Memento-Datetime"])
        assert memento.strftime("%Y%m%d%H%M%S") == expected
        assert "accept-datetime" in response.headers["Vary"].lower()
        rels = {rel: target for target, rel, _ in links(response.headers["Link"])}
        assert rels["original"] == url
        assert rels["timemap"] == f"{wayback.base}/archive/timemap/link/{url}"
        edited = EDIT_BEFORE if expected == stamps[0] else EDIT_AFTER
        assert edited in body.decode()


def test_framed_timegate_names_the_nearest_memento(twice, wayback):
    _, url, stamps = twice
    for accept, expected in asked_and_nearest(stamps):
        response, _ = get(wayback, f"/archive/{url}", {"Accept-Datetime": accept})
        assert response.status == 200
        mementos = [t for t, rel, _ in links(response.headers["Link"]) if rel == "memento"]
        assert mementos == [f"{wayback.base}/archive/{expected}mp_/{url}"], accept


def test_timegate_refuses_a_bad_accept_datetime(twice, wayback):
    _, url, _ = twice
    response, _ = get(wayback, f"/archive/mp_/{url}", {"Accept-Datetime": "last Tuesday"})
    assert response.status == 400


def test_a_memento_says_its_datetime(twice, wayback):
    _, url, stamps = twice
    response, _ = get(wayback, f"/archive/{stamps[0]}mp_/{url}", {})
    assert response.status == 200
    memento = parsedate_to_datetime(response.headers["Memento-Datetime"])
    assert memento.strftime("%Y%m%d%H%M%S") == stamps[0]


def test_cdx_lists_both_captures(twice, wayback):
    work, url, stamps = twice
    status, _, body = fetch(f"{wayback.base}/archive/cdx?url={quote(url, safe='')}&output=json")
    assert status == 200
    lines = [json.loads(line) for line in body.decode().splitlines()]
    assert [line["timestamp"] for line in lines] == stamps
    assert {line["url"] for line in lines} == {url}
    assert {line["status"] for line in lines} == {"200"}
    stored = query(
        work / "news.db",
        "SELECT warc_filename, warc_offset, payload_digest FROM captures WHERE url = ? ORDER BY id",
        url,
    )
    assert [(line["filename"], int(line["offset"])) for line in lines] == [
        (row["warc_filename"], row["warc_offset"]) for row in stored
    ]
    assert lines[0]["digest"] != lines[1]["digest"]  # the page changed between the crawls
    status, mime, plain = fetch(f"{wayback.base}/archive/cdx?url={quote(url, safe='')}")
    assert status == 200
    assert mime.startswith("text/x-cdxj")
    assert len(plain.decode().splitlines()) == 2
