"""Review links from shipment parties to entities: confirm or reject the proposed ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from store import links

from ..render import cell
from ..workers import thread_db, thread_writer

if TYPE_CHECKING:
    from ..app import WatchlistApp


class LinksScreen(Screen):
    """Every link with its status; y confirms, n rejects, Enter opens the entity."""

    BINDINGS = [
        Binding("escape,backspace", "back", "Back"),
        Binding("y", "decide('confirmed')", "Confirm", tooltip="Confirm the link: its shipments count for the entity"),
        Binding("n", "decide('rejected')", "Reject", tooltip="Reject the link"),
    ]

    class Loaded(Message):
        def __init__(self, rows: list[dict]) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []

    @property
    def wl(self) -> WatchlistApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Shipment parties linked to entities"), id="links-title")
        table: DataTable = DataTable(id="links", cursor_type="row", zebra_stripes=True)
        for label, width in (("Status", 9), ("Score", 5), ("Party in the shipments", 40), ("Entity", 44), ("Shipments", 9)):
            table.add_column(label, width=width)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="links")
    def load(self) -> None:
        found = links.listing(thread_db(self.wl.db_path))
        order = {"proposed": 0, "confirmed": 1, "linked": 2, "rejected": 3}
        self.post_message(self.Loaded(sorted(found, key=lambda r: (order[r["status"]], -r["score"]))))

    def on_links_screen_loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        table = self.query_one("#links", DataTable)
        row = table.cursor_row
        table.clear()
        for r in self.rows:
            table.add_row(cell(r["status"], "bold" if r["status"] == "proposed" else ""), cell(f"{r['score']:.0f}"),
                          cell(r["party_name"]), cell(r["entity_name"]), cell(r["shipments"]), key=str(r["id"]))
        if self.rows:
            table.move_cursor(row=min(row, len(self.rows) - 1))
        pending = sum(r["status"] == "proposed" for r in self.rows)
        self.query_one("#links-title", Static).update(
            Text(f"{len(self.rows)} links, {pending} to review · y confirm · n reject · Enter open the entity"
                 + ("" if self.rows else " · none yet: import shipments, then run watchlist links propose")))
        table.focus()

    def action_decide(self, decision: str) -> None:
        table = self.query_one("#links", DataTable)
        if self.rows:
            self.save(self.rows[min(table.cursor_row, len(self.rows) - 1)]["id"], decision)

    @work(thread=True, group="user")
    def save(self, link_id: int, decision: str) -> None:
        links.decide(thread_writer(self.wl.db_path), link_id, decision)
        self.load()

    @on(DataTable.RowSelected, "#links")
    def open_entity(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.wl.open_entity(int(self.current_id() or 0), "Links")

    def action_back(self) -> None:
        self.dismiss()

    def current_id(self) -> int | None:
        table = self.query_one("#links", DataTable)
        if not self.rows:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]["entity_id"]
