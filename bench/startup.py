"""Startup of the explorer on a store: time to a focused search box, to the first results, and to the goods
browser's tree after `g`, and to an entity's dossier after Enter on a result (the first opening of each mounts its
screen; later ones show the kept one).

python bench/startup.py --db STORE
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


async def measure(db: Path) -> tuple[float, float, float, float]:
    """Seconds to a focused search box and to the first results; this process's peak memory (MB) then, and once the
    warm-up after the first results (typo buckets, pinyin, HS tree) is done."""
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
        results, memory = time.perf_counter() - started, _peak_mb()
        while app.index is None or not app.index.warmed:
            await pilot.pause(0.05)
        await app.workers.wait_for_complete()
        return usable, results, memory, _peak_mb()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def entity_openings(db: Path, times: int = 6) -> list[float]:
    """Seconds from Enter on a result of "sinno electronics" (on a store without it, the first entity the empty box
    lists) to its dossier filled, ``times`` times (Esc between)."""
    from textual.widgets import DataTable, Input

    from watchlist.tui.app import WatchlistApp
    from watchlist.tui.screens.entity import EntityScreen

    app = WatchlistApp(db)
    out = []
    async with app.run_test(size=(150, 42)) as pilot:
        while app.index is None:
            await pilot.pause(0.01)
        box, results = app.screen.query_one("#search", Input), app.screen.query_one("#results", DataTable)
        box.value = "sinno electronics"
        await pilot.pause(1.0)
        waited = time.perf_counter()
        while not results.row_count and time.perf_counter() - waited < 30:
            await pilot.pause(0.05)
        if not results.row_count:  # a store without that firm (a synthetic one): the entities listed last, as the empty box shows
            box.value = ""
            while not results.row_count:
                await pilot.pause(0.05)
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
        waited = time.perf_counter()
        while True:  # started and idle (warmed up), as a user pressing `g` finds it
            warming = any(w.group == "warm-up" and not w.is_finished for w in app.workers)
            if app.index is not None and not warming and (app.hs_cache is not None or time.perf_counter() - waited > 60):
                break  # (60 s warmed up and still no HS tree: a store without one)
            await pilot.pause(0.01)
        if app.hs_cache is None or not app.hs_cache[0]:  # a store without the HS nomenclature (a synthetic one): nothing to browse
            return out
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
    usable, results, memory, warmed = asyncio.run(measure(args.db))
    print(f"search box focused after {usable * 1000:.0f} ms; first results after {results * 1000:.0f} ms (index loaded, or built)", flush=True)
    print(f"memory (peak): {memory:.0f} MB at the first results, {warmed:.0f} MB after the warm-up", flush=True)
    print(_timings("entity after Enter", asyncio.run(entity_openings(args.db))), flush=True)
    goods = asyncio.run(goods_openings(args.db))
    print(_timings("goods browser after g", goods) if goods else "goods browser: this store has no HS nomenclature (a synthetic store), not measured")


def _timings(what: str, seconds: list[float]) -> str:
    """The first opening and the later ones (median, max), in ms."""
    first, *again = seconds
    again_ms = sorted(t * 1000 for t in again)
    return f"{what}: first {first * 1000:.0f} ms; again median {again_ms[len(again_ms) // 2]:.0f} ms (max {again_ms[-1]:.0f} ms)"


if __name__ == "__main__":
    main()
