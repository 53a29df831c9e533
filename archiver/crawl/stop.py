"""What runs when the crawl is stopped outright: the reactor stops before the spider closes."""

from __future__ import annotations

from collections.abc import Callable

from scrapy.utils.reactor import is_reactor_installed


def on_reactor_stop(callback: Callable[[], None]) -> None:
    """Call ``callback`` as the reactor stops, after a clean close or instead of one.

    A second Ctrl-C (or SIGTERM) makes Scrapy stop the reactor at once, without closing the
    spider: components close their files here. After a clean close the callback finds its
    component closed already and does nothing. Without a reactor (a component driven by a
    test), nothing is registered, and no reactor is installed by importing one.
    """
    if not is_reactor_installed():
        return
    from twisted.internet import reactor

    reactor.addSystemEventTrigger("before", "shutdown", callback)  # type: ignore[arg-type]
