"""Startup of the explorer on a store: time to a focused search box, and to the first results.

python bench/startup.py --db STORE
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


async def measure(db: Path) -> tuple[float, float]:
    from textual.widgets import DataTable, Input

    from watchlist.tui.app import WatchlistApp

    started = time.perf_counter()
    app = WatchlistApp(db)
    async with app.run_test(size=(150, 42)) as pilot:
        while not isinstance(app.focused, Input):
            await pilot.pause(0.005)
        usable = time.perf_counter() - started
        while not app.screen.query_one("#results", DataTable).row_count:
            await pilot.pause(0.005)
        return usable, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args()
    usable, results = asyncio.run(measure(args.db))
    print(f"search box focused after {usable * 1000:.0f} ms; first results (index built) after {results * 1000:.0f} ms")


if __name__ == "__main__":
    main()
