"""What's new: every change between list snapshots, newest first, filterable; Enter opens the entity."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from watchlist.store import changes
from watchlist.store.models import Change

from ..actions import bindings
from ..render import cell
from ..workers import thread_db

if TYPE_CHECKING:
    from ..app import WatchlistApp

SHOWN = 500  # rows put in the table at once (a filter narrows the rest)


def matches(change: Change, words: list[str]) -> bool:
    """True if every filter word is the change's list code, its kind, a prefix of its date, or in its name or citation."""
    for word in words:
        w = word.lower()
        if w in (change.list.lower(), change.change) or (change.as_of or "").startswith(w):
            continue
        if w not in (change.name or "").lower() and w not in (change.citation or "").lower():
            return False
    return True


class ChangesScreen(Screen):
    """Snapshots by list and date, then their changes; type to filter (a list, added/changed/removed, a date, a name)."""

    BINDINGS = bindings("What's new")

    class Loaded(Message):
        def __init__(self, rows: list[Change], snapshots: list[dict[str, Any]]) -> None:
            super().__init__()
            self.rows = rows
            self.snapshots = snapshots

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Change] = []
        self.shown: list[Change] = []

    @property
    def wl(self) -> WatchlistApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("What's new: loading…"), id="changes-title")
        yield Static(Text(""), id="snapshots")
        yield Input(placeholder="Filter: EL, SDN…, added, changed, removed, a date (2025-11), words of a name", id="changes-filter")
        table: DataTable = DataTable(id="changes", cursor_type="row", zebra_stripes=True)
        for label, width in (("Date", 10), ("List", 5), ("Change", 8), ("Entity", 40), ("Ctry", 6), ("Citation", 24), ("What changed", 60)):
            table.add_column(label, width=width)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    def reload(self) -> None:
        """Read the changes again (after an import here or in another process)."""
        self.load()

    @work(thread=True, exclusive=True, group="changes")
    def load(self) -> None:
        db = thread_db(self.wl.db_path)
        self.post_message(self.Loaded(changes.changes(db), changes.snapshots(db)))

    def on_changes_screen_loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        lines = Text()
        for snap in message.snapshots[:8]:
            if snap["baseline"]:
                continue
            lines.append(f"{snap['as_of']}  {snap['list_name']}: ", style="bold")
            lines.append(
                f"+{snap['added']} added  ~{snap['changed']} changed  -{snap['removed']} removed"
                + (f"  {snap['relisted']} relisted" if snap["relisted"] else "")
                + "\n"
            )
        self.query_one("#snapshots", Static).update(lines or Text("Only first snapshots so far: import a newer list to see changes."))
        self.refilter()
        self.query_one("#changes", DataTable).focus()

    @on(Input.Changed, "#changes-filter")
    def refilter(self) -> None:
        words = self.query_one("#changes-filter", Input).value.split()
        found = [c for c in self.rows if matches(c, words)] if words else self.rows
        self.shown = found[:SHOWN]
        table = self.query_one("#changes", DataTable)
        table.clear()
        for i, c in enumerate(self.shown):
            table.add_row(
                cell(c.as_of),
                cell(c.list),
                cell(c.change, "bold" if c.change == "added" else ""),
                cell(c.name),
                cell(",".join(c.countries)),
                cell(c.citation),
                cell(changes.describe(c) if c.change == "changed" else ""),
                key=f"{i}:{c.entity_id}",
            )
        more = f" (showing {len(self.shown)}: filter to narrow)" if len(found) > len(self.shown) else ""
        self.query_one("#changes-title", Static).update(Text(f"What's new: {len(found):,} changes{more} · Enter open the entity · / filter · Esc back"))

    @on(Input.Submitted, "#changes-filter")
    def to_table(self) -> None:
        self.query_one("#changes", DataTable).focus()

    @on(DataTable.RowSelected, "#changes")
    def open_entity(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if (entity_id := self.current_id()) is not None:
            self.wl.open_entity(entity_id, "What's new")

    def action_focus_filter(self) -> None:
        self.query_one("#changes-filter", Input).focus()

    def action_back(self) -> None:
        self.dismiss()

    def current_id(self) -> int | None:
        table = self.query_one("#changes", DataTable)
        if not self.shown or table.row_count == 0:
            return None
        return self.shown[min(table.cursor_row, len(self.shown) - 1)].entity_id
