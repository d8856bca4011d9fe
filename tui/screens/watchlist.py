"""Your watchlist: starred entities with tags, notes and what changed since you starred them."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Static

from watchlist.store import userdata

from ..actions import bindings
from ..footer import KeyFooter
from ..header import Header
from ..render import badges, cell
from ..table import Table
from ..workers import post_if_current, thread_db
from .base import AppScreen


class WatchlistScreen(AppScreen):
    """Starred entities; Enter opens one; w unstars; n edits its note."""

    BINDINGS = bindings("Watchlist")

    class Loaded(Message):
        def __init__(self, rows: list[dict]) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Your watchlist"), id="wl-title")
        table: Table = Table(id="starred", cursor_type="row", zebra_stripes=True)
        table.add_columns("Name", "Lists", "Ctry", "Tags", "Note", "Changed since starred", "Starred")
        yield table
        yield KeyFooter()

    def on_screen_resume(self) -> None:
        """Read the watchlist each time the screen is shown (its first showing included: one read, not two racing)."""
        self.reload()

    def reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="watchlist")
    def load(self) -> None:
        post_if_current(self, self.Loaded(userdata.watchlist(thread_db(self.wl.db_path))))

    def on_watchlist_screen_loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        table = self.query_one("#starred", DataTable)
        row = table.cursor_row
        table.clear()
        for r in self.rows:
            changes = "; ".join(f"{c.list} {c.change}" + (f" ({', '.join(c.fields)})" if c.fields else "") for c in r["changes"]) or "—"
            note = (r.get("note") or "").strip().splitlines()
            table.add_row(
                cell(r["name"] or f"{r['key']} (no longer in the store)"),
                badges(r["lists"]),
                cell(r["countries"]),
                cell(r["tags"]),
                cell(note[0][:60] if note else ""),
                cell(changes),
                cell(r["starred_at"]),
                key=str(r["entity_id"] or f"gone:{r['key']}"),
            )
        if self.rows:
            table.move_cursor(row=min(row, len(self.rows) - 1))
        count = len(self.rows)
        changed = sum(1 for r in self.rows if r["changes"])
        self.query_one("#wl-title", Static).update(
            Text(f"Your watchlist: {count} starred, {changed} changed since starred · Enter open · w unstar · n note")
        )
        table.focus()

    @on(DataTable.RowSelected, "#starred")
    def open_entity(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = event.row_key.value or ""
        if key.isdigit():
            self.wl.open_entity(int(key), "Watchlist")

    def action_back(self) -> None:
        self.dismiss()

    def current_id(self) -> int | None:
        table = self.query_one("#starred", DataTable)
        if not self.rows or table.row_count == 0:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]["entity_id"]
