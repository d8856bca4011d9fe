"""The explorer driven by Pilot on the real seed store."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable, Static

from tui.app import EntityScreen, WatchlistApp
from tui.safe import safe_text


def test_type_sinno_and_open_the_entity_list_entry(seed_db_path):
    async def scenario():
        app = WatchlistApp(seed_db_path)
        async with app.run_test(size=(140, 40)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.press(*"sinno electronics")
            await pilot.pause(0.3)
            await app.workers.wait_for_complete()
            await pilot.pause()
            table = app.query_one("#results", DataTable)
            names = [str(table.get_row_at(i)[0]) for i in range(min(3, table.row_count))]
            assert any(n.startswith("Sinno Electronics Co") for n in names)
            row = next(i for i, n in enumerate(names) if n.startswith("Sinno Electronics Co"))
            await pilot.press("down")
            table.move_cursor(row=row)
            await pilot.press("enter")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, EntityScreen)
            text = str(app.screen.query_one("#record", Static).render())
            assert "87 FR 38925" in text and "Xinnuo Electronic Technology" in text
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, EntityScreen)

    asyncio.run(scenario())


def test_sanitiser_makes_controls_visible():
    assert safe_text("A\x1b[31mB\x07\u202e") == "A\\x1b[31mB\\x07\\u202e"
    assert safe_text("[bold]x [/ Co") == "[bold]x [/ Co"
