"""SVG screenshots of the main screens, driven by Pilot: for the README and the snapshot tests.

    python -m tests.screens [--db STORE]    rewrite docs/screens/*.svg (STORE: a seed store, built if absent)

The tests replay the same scenarios and compare the text of each SVG with the committed one.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

from watchlist.store import connect, seed
from watchlist.tui.app import WatchlistApp

from .pilot import settle, type_text

SCREENS_DIR = Path(__file__).resolve().parent.parent / "docs" / "screens"
SIZE = (150, 42)


async def _search(app: WatchlistApp, pilot: Pilot) -> None:
    await type_text(app, pilot, "sinno electronics")


async def _entity(app: WatchlistApp, pilot: Pilot) -> None:
    await _search(app, pilot)
    await pilot.press("down")
    table = app.screen.query_one("#results")
    names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]  # type: ignore[attr-defined]
    table.move_cursor(row=next(i for i, n in enumerate(names) if n.startswith("Sinno Electronics Co")))  # type: ignore[attr-defined]
    await pilot.press("enter")
    await settle(app, pilot)


async def _goods(app: WatchlistApp, pilot: Pilot) -> None:
    await pilot.press("down", "g")
    await settle(app, pilot)
    await pilot.press("slash", *"8542.31", "enter")
    await settle(app, pilot)


async def _watchlist(app: WatchlistApp, pilot: Pilot) -> None:
    await _search(app, pilot)
    await pilot.press("down", "w")
    await settle(app, pilot)
    app.clear_notifications()
    await pilot.press("W")
    await settle(app, pilot)


async def _help(app: WatchlistApp, pilot: Pilot) -> None:
    await pilot.press("f1")
    await settle(app, pilot)


SCENARIOS: dict[str, Callable[[WatchlistApp, Pilot], Awaitable[None]]] = {
    "search": _search,
    "entity": _entity,
    "goods": _goods,
    "watchlist": _watchlist,
    "help": _help,
}


async def capture(db_path: Path, name: str) -> str:
    """Run one scenario on a store and return the SVG."""
    app = WatchlistApp(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await SCENARIOS[name](app, pilot)
        app.clear_notifications()
        await pilot.pause()
        return app.export_screenshot(title=f"watchlist: {name}")


_VOLATILE = [(re.compile(r"\d+(\.\d+)? ms"), "N ms"), (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"), "TIMESTAMP")]


def screen_text(svg: str) -> str:
    """The characters an SVG screenshot shows, row by row, with timings and timestamps masked."""
    rows: dict[float, list[tuple[float, str]]] = {}
    for x, y, text in re.findall(r'<text [^>]*?x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>', svg):
        rows.setdefault(float(y), []).append((float(x), html.unescape(text).replace("\xa0", " ")))
    lines = ["".join(t for _, t in sorted(parts)).rstrip() for _, parts in sorted(rows.items())]
    out = "\n".join(lines)
    for pattern, mask in _VOLATILE:
        out = pattern.sub(mask, out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="a store built from seed/ (default: build one in a temp dir)")
    args = parser.parse_args()
    SCREENS_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = args.db or Path(tmp) / "seed.db"
        db = connect(db_path)  # read-write once: builds a new store, upgrades an old one
        if not seed.is_built(db):
            seed.build(db)
        db.conn.close()
        for name in SCENARIOS:
            svg = asyncio.run(capture(db_path, name))
            (SCREENS_DIR / f"{name}.svg").write_text(svg, encoding="utf-8")
            print(f"wrote docs/screens/{name}.svg")


if __name__ == "__main__":
    main()
