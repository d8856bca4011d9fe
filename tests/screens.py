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
from textual.widgets import DataTable

from watchlist.store import connect, seed
from watchlist.tui.app import WatchlistApp

from .conftest import copy_store
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


async def _changes(app: WatchlistApp, pilot: Pilot) -> None:
    await pilot.press("down", "N")
    await settle(app, pilot)
    await pilot.press("slash")
    await type_text(app, pilot, "list:EL change:added country:HK")


# Counterparties screened in the screening scenario (a run is made on the store first): real listed names as a user writes them.
COUNTERPARTIES = 'name,country\n"Sinno Electronics Co., Limited",HK\nApple Inc.,US\n"King Pai Technology Co., Ltd.",HK\n'


async def _screening(app: WatchlistApp, pilot: Pilot) -> None:
    await pilot.press("down", "S")
    await settle(app, pilot)
    await pilot.press("enter")
    await settle(app, pilot)


SCENARIOS: dict[str, Callable[[WatchlistApp, Pilot], Awaitable[None]]] = {
    "search": _search,
    "entity": _entity,
    "goods": _goods,
    "watchlist": _watchlist,
    "help": _help,
}
# The same screens at the smallest and a large terminal: the layout folds, never cuts what matters.
for _size in ("80x24", "200x50"):
    SCENARIOS |= {f"search-{_size}": _search, f"entity-{_size}": _entity, f"changes-{_size}": _changes, f"screening-{_size}": _screening}


def size_of(name: str) -> tuple[int, int]:
    """The terminal size of a scenario: its name's WxH suffix, else the README's size."""
    if match := re.search(r"-(\d+)x(\d+)$", name):
        return int(match.group(1)), int(match.group(2))
    return SIZE


def prepare(db_path: Path) -> None:
    """What the scenarios need beyond the seed: a screening run of three counterparties."""
    from watchlist.store import screening
    from watchlist.store.index_file import open_index

    db = connect(db_path)
    if db.conn.execute("SELECT count(*) FROM user_screening_runs").fetchone()[0] == 0:
        source = db_path.parent / "counterparties.csv"
        source.write_text(COUNTERPARTIES, encoding="utf-8")
        _, rows, _ = screening.read_rows(source)
        screening.save_run(db, source, screening.screen_rows(open_index(db.conn), rows), screening.THRESHOLD)
    db.conn.close()


async def capture(db_path: Path, name: str) -> str:
    """Run one scenario on a store and return the SVG."""
    app = WatchlistApp(db_path)
    async with app.run_test(size=size_of(name)) as pilot:
        await settle(app, pilot)
        await SCENARIOS[name](app, pilot)
        app.clear_notifications()
        await settle(app, pilot)
        # a table that grew measures its new rows when the app is next idle (and tui/table.py redraws it whole): wait for it
        for _ in range(100):
            if not any(table._require_update_dimensions for table in app.screen.query(DataTable)):
                break
            await pilot.pause(0.01)
        await pilot.pause()
        return app.export_screenshot(title=f"watchlist: {name}")


_VOLATILE = [
    (re.compile(r"\d+(\.\d+)? ms"), "N ms"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"), "TIMESTAMP"),
    (re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?"), "TIMESTAMP"),
    (re.compile(r"/\S*/(counterparties\.csv)"), r"…/\1"),  # the store's folder (a test's own)
]


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
        db_path = Path(tmp) / "seed.db"
        if args.db:  # a copy: the scenarios add a screening run
            copy_store(args.db, db_path)
        db = connect(db_path)  # read-write once: builds a new store, upgrades an old one
        if not seed.is_built(db):
            seed.build(db)
        db.conn.close()
        prepare(db_path)
        for name in SCENARIOS:  # each on its own copy, as the tests run them (the watchlist scenario stars an entity)
            svg = asyncio.run(capture(copy_store(db_path, Path(tmp) / f"{name}.db"), name))
            (SCREENS_DIR / f"{name}.svg").write_text(svg, encoding="utf-8")
            print(f"wrote docs/screens/{name}.svg")


if __name__ == "__main__":
    main()
