"""Startup of the explorer on a store: time to a focused search box, to the first results, and to the goods
browser's tree after `g`, and to an entity's dossier after Enter on a result (the first opening of each mounts its
screen; later ones show the kept one).

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


async def entity_openings(db: Path, times: int = 6) -> list[float]:
    """Seconds from Enter on a result of "sinno electronics" to its dossier filled, ``times`` times (Esc between)."""
    from textual.widgets import Input

    from watchlist.tui.app import WatchlistApp
    from watchlist.tui.screens.entity import EntityScreen

    app = WatchlistApp(db)
    out = []
    async with app.run_test(size=(150, 42)) as pilot:
        while app.index is None:
            await pilot.pause(0.01)
        app.screen.query_one("#search", Input).value = "sinno electronics"
        await pilot.pause(1.0)
        await pilot.press("down")
        for _ in range(times):
            await pilot.pause(0.3)
            started = time.perf_counter()
            await pilot.press("enter")
            while not (isinstance(app.screen, EntityScreen) and app.screen.record is not None):
                await pilot.pause(0.002)
            await pilot.pause(0)  # drawn
            out.append(time.perf_counter() - started)
            await pilot.press("escape")
    return out


async def goods_openings(db: Path, times: int = 6) -> list[float]:
    """Seconds from the key `g` to the goods browser's tree drawn and focused, ``times`` times (Esc between)."""
    from textual.widgets import Tree

    from watchlist.tui.app import WatchlistApp
    from watchlist.tui.screens.goods import GoodsScreen

    app = WatchlistApp(db)
    out = []
    async with app.run_test(size=(150, 42)) as pilot:
        while app.index is None or app.hs_cache is None or any(w.group == "warm-up" and not w.is_finished for w in app.workers):
            await pilot.pause(0.01)  # started and idle (warmed up), as a user pressing `g` finds it
        await pilot.press("down")  # out of the search box, where `g` is a letter
        for _ in range(times):
            await pilot.pause(0.3)
            started = time.perf_counter()
            await pilot.press("g")
            while not (isinstance(app.screen, GoodsScreen) and app.screen.focused and app.screen.query_one("#hs-tree", Tree).root.children):
                await pilot.pause(0.002)
            await pilot.pause(0)  # drawn
            out.append(time.perf_counter() - started)
            await pilot.press("escape")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args()
    usable, results = asyncio.run(measure(args.db))
    print(f"search box focused after {usable * 1000:.0f} ms; first results (index built) after {results * 1000:.0f} ms")
    first, *again = asyncio.run(entity_openings(args.db))
    again_ms = sorted(t * 1000 for t in again)
    print(f"entity after Enter: first {first * 1000:.0f} ms; again median {again_ms[len(again_ms) // 2]:.0f} ms (max {again_ms[-1]:.0f} ms)")
    first, *again = asyncio.run(goods_openings(args.db))
    again_ms = sorted(t * 1000 for t in again)
    print(f"goods browser after g: first {first * 1000:.0f} ms; again median {again_ms[len(again_ms) // 2]:.0f} ms (max {again_ms[-1]:.0f} ms)")


if __name__ == "__main__":
    main()
