"""``archiver frontier``: look at, and empty, the Redis frontier of a shared crawl."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from archiver.cli.crawling import FrontierUnavailable

T = TypeVar("T")


def frontier_options(function: Any) -> Any:
    """``--frontier URL`` and ``--prefix``: which shared crawl."""
    function = click.option(
        "--prefix",
        default="archiver",
        show_default=True,
        help="Prefix of the crawl's Redis keys (FRONTIER_KEY_PREFIX).",
    )(function)
    return click.option(
        "--frontier",
        "url",
        required=True,
        metavar="URL",
        help="Redis URL of the shared frontier; the password may come from"
        " ARCHIVER_REDIS_PASSWORD.",
    )(function)


@click.group()
def frontier() -> None:
    """Look at or empty the shared frontier of a crawl across nodes."""


@frontier.command()
@frontier_options
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="How many hosts with most pending requests to list.",
)
def status(url: str, prefix: str, top: int) -> None:
    """List nodes (alive, last seen, pages, errors), queue length and the busiest hosts.

    \b
    Example:
        archiver frontier status --frontier redis://10.0.0.5:6379/0
    """
    from archiver.crawl.frontier_status import frontier_status

    state = _on_frontier(url, prefix, lambda client, keys: frontier_status(client, keys, url, top))
    console = Console(soft_wrap=True)
    table = Table("node", "alive", "state", "last seen", "pages", "errors", "leased", "round trips")
    for node in state.nodes:
        ago = state.checked_at - node.last_seen if node.last_seen else None
        seen = (
            datetime.fromtimestamp(node.last_seen, UTC).strftime("%Y-%m-%d %H:%M:%S")
            if node.last_seen
            else "-"
        )
        table.add_row(
            node.name,
            "yes" if node.alive else "no",
            node.state,
            f"{seen} ({ago:.0f} s ago)" if ago is not None else seen,
            str(node.pages),
            str(node.errors),
            str(node.leased),
            str(node.round_trips),
        )
    console.print(table)
    console.print(
        f"queued: {state.queued}   leased: {state.leased}   requests seen: {state.seen}"
        f"   articles archived: {state.articles}"
    )
    if state.hosts:
        console.print(f"hosts with most pending requests (of the first {state.sampled} queued):")
        for host, count in state.hosts:
            console.print(f"  {host}  {count}")


@frontier.command()
@frontier_options
@click.option("--force", is_flag=True, help="Clear even while a node's heartbeat is alive.")
def clear(url: str, prefix: str, force: bool) -> None:
    """Delete every Redis key of a finished crawl (queue, seen set, leases, nodes).

    \b
    Example:
        archiver frontier clear --frontier redis://10.0.0.5:6379/0
    """
    from archiver.crawl.frontier_status import clear_frontier

    deleted = _on_frontier(
        url, prefix, lambda client, keys: clear_frontier(client, keys, url, force)
    )
    click.echo(f"cleared {deleted} keys under {prefix}:")


def _on_frontier(url: str, prefix: str, step: Callable[[Any, Any], T]) -> T:
    """Run ``step(client, keys)`` on the crawl's Redis; its failures become one clear line."""
    client, keys = _connect(url, prefix)
    try:
        return step(client, keys)
    except Exception as exc:
        raise _failure(exc) from exc


def _connect(url: str, prefix: str) -> tuple[Any, Any]:
    from archiver.crawl.redis_link import FrontierError, FrontierKeys, check_reachable, connect
    from archiver.crawl.runner import project_settings

    env = str(project_settings().get("FRONTIER_PASSWORD_ENV") or "")
    try:
        client = connect(url, env)
        check_reachable(client, url)
    except FrontierError as exc:
        raise FrontierUnavailable(str(exc)) from exc
    return client, FrontierKeys(prefix)


def _failure(exc: Exception) -> click.ClickException:
    from archiver.crawl.redis_link import FrontierError

    if isinstance(exc, FrontierError):
        text = str(exc)
        return (
            FrontierUnavailable(text)
            if text.startswith("cannot reach")
            else click.ClickException(text)
        )
    raise exc
