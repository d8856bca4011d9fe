"""Hostile text everywhere it is shown or written: markup, escape sequences, bidi, zero-width, very long strings.

Two snapshots of a list whose names, aliases, addresses, citations, license text and remarks carry
the payloads (the second one changes some, so What's new and History show them too), a note and tags
with payloads; then every screen is rendered and read back, and every export is written and read.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

from textual.widgets import DataTable

from watchlist.store import connect, export, importers, queries, userdata
from watchlist.tui.app import WatchlistApp
from watchlist.tui.screens.changes import ChangesScreen
from watchlist.tui.screens.entity import EntityScreen
from watchlist.tui.screens.watchlist import WatchlistScreen

from .pilot import settle
from .screens import screen_text

PAYLOADS = {
    "markup": "[bold]Bold[/bold] [link=https://evil.example]click[/link]",
    "ansi": "Red \x1b[31mESC\x1b[0m",
    "osc52": "Clip \x1b]52;c;aGVsbG8=\x07",
    "osc8": "\x1b]8;;https://evil.example\x1b\\here\x1b]8;;\x1b\\",
    "bidi": "Evil \u202eTrading\u202c",
    "zero_width": "Zero\u200bWidth\u200dCo",
}
RAW = ("\x1b", "\x07", "\u202e", "\u200b", "\u200d")  # must never reach the terminal
LONG = "Long " + "x" * 5000
HEADER = ["source", "name", "alt_names", "addresses", "federal_register_notice", "start_date", "license_requirement", "license_policy", "remarks"]


def _snapshot(path: Path, amended: bool) -> Path:
    rows = []
    for key, payload in PAYLOADS.items():
        rows.append(
            [
                "Entity List (EL) - Bureau of Industry and Security",
                f"{payload} {key} Ltd",
                f"{payload} alias; =cmd|' /C calc'!A0",
                f"{payload} 1 Road, Shenzhen, CN",
                f"87 FR 1 {payload}" + (" amended" if amended else ""),
                "2022-06-30",
                f"{payload} requirement",
                "@SUM(1+1) policy",
                f"{payload} remark",
            ]
        )
    rows.append(["Entity List (EL) - Bureau of Industry and Security", LONG, "", "1 Road, Shenzhen, CN", "87 FR 1", "2022-06-30", "x", "y", ""])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _store(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.db"
    db = connect(path)
    importers.import_file(db, _snapshot(tmp_path / "v1.csv", False), as_of="2025-01-01")
    importers.import_file(db, _snapshot(tmp_path / "v2.csv", True), as_of="2025-06-01")
    key = db.conn.execute("SELECT key FROM entities WHERE name LIKE '%ansi Ltd'").fetchone()[0]
    userdata.star(db, key, "[red]tag[/red] \x1b[5mblink")
    db.conn.execute("UPDATE user_watchlist SET starred_at = '2025-02-01T00:00:00'")
    userdata.set_note(db, key, "Note " + " ".join(PAYLOADS.values()))
    db.conn.close()
    return path


def _clean(svg: str) -> str:
    for raw in RAW:
        assert raw not in svg, f"{raw!r} reached the screen"
    return screen_text(svg)


def test_every_screen_shows_hostile_text_literally(tmp_path: Path):
    path = _store(tmp_path)

    async def scenario():
        app = WatchlistApp(path)
        async with app.run_test(size=(180, 50)) as pilot:
            await settle(app, pilot)
            seen = _clean(app.export_screenshot())  # search results and preview
            assert "[bold]Bold[/bold]" in seen and "\\x1b[31mESC" in seen and "\\u202eTrading" in seen
            table = app.screen.query_one("#results", DataTable)
            await pilot.press("down")
            table.move_cursor(row=next(i for i in range(table.row_count) if "ansi Ltd" in str(table.get_row_at(i)[0])))
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, EntityScreen)
            for pane in "1234567890":  # every section of the entity
                await pilot.press(pane)
                await settle(app, pilot)
                shown = _clean(app.export_screenshot())
                assert "Red \\x1b[31mESC" in shown or pane in "789"  # goods, trade, relations are empty here
            await pilot.press("right_square_bracket", "right_square_bracket")  # Notes
            await settle(app, pilot)
            notes = _clean(app.export_screenshot())
            assert "[link=https://evil.example]click[/link]" in notes and "\\x1b]52;c;aGVsbG8=\\x07" in notes
            await pilot.press("W")
            await settle(app, pilot)
            assert isinstance(app.screen, WatchlistScreen)
            starred = _clean(app.export_screenshot())
            assert "[red]tag[/red]" in starred and "changed" in starred.lower()
            await pilot.press("N")
            await settle(app, pilot)
            assert isinstance(app.screen, ChangesScreen)
            news = _clean(app.export_screenshot())
            assert "Zero\\u200bWidth" in news and "citation" in news
            await pilot.press("escape", "escape", "escape")
            await settle(app, pilot)
            await pilot.press("ctrl+p", *"evil trading")
            await settle(app, pilot)
            _clean(app.export_screenshot())

    asyncio.run(scenario())


def test_exports_escape_formulas_and_keep_text_whole(tmp_path: Path):
    db = connect(_store(tmp_path), readonly=True)
    eid = db.conn.execute("SELECT id FROM entities WHERE name LIKE '%ansi Ltd'").fetchone()[0]
    record = queries.entity(db, eid)
    assert record is not None
    rows = list(csv.reader(io.StringIO(export.dossier_text(record, "csv"))))
    values = [r[2] for r in rows[1:]]
    assert not any(v.startswith(("=", "+", "-", "@")) for v in values)
    assert "'=cmd|' /C calc'!A0" in values and "'@SUM(1+1) policy" in values
    assert any(v.startswith("Note [bold]") for v in values)  # text kept whole, only formulas defused
    data = json.loads(export.dossier_text(record, "json"))
    assert data["note"].startswith("Note [bold]Bold[/bold]") and "\x1b[31m" in data["note"]  # JSON keeps the data exact
    results = [{"name": '=HYPERLINK("http://evil")', "lists": ["EL"], "score": 99.0}]
    written = list(csv.DictReader(io.StringIO(export.results_text(results, "csv"))))
    assert written[0]["name"] == '\'=HYPERLINK("http://evil")'
    db.conn.close()


def test_a_very_long_name_is_stored_whole_and_shown_cut(tmp_path: Path):
    db = connect(_store(tmp_path), readonly=True)
    (name,) = db.conn.execute("SELECT name FROM entities WHERE name LIKE 'Long %'").fetchone()
    assert name == LONG
    db.conn.close()
