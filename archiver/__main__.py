"""``python -m archiver`` and the ``archiver`` command, which import nothing until they run.

multiprocessing re-runs the main script in every extraction worker it starts, and the
``archiver`` script imports its entry point's module at its top: were that ``archiver.cli``,
every worker would import Scrapy, Twisted, click and rich (about 30 MB each) for nothing.
"""

from __future__ import annotations


def main() -> None:
    """Run the ``archiver`` command line."""
    import sys

    if sys.argv[1:2] == ["search"]:
        # The command people run most, often in a loop: its module alone, not every command's
        # (Scrapy, rich, sqlite-utils), halves its start-up.
        from archiver.cli.query import search

        search.main(sys.argv[2:], prog_name="archiver search")
        return
    from archiver.cli.main import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
