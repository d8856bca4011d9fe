"""What's new: every change between list snapshots, newest first, filterable; Enter opens the entity."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from watchlist.store import changes
from watchlist.store.models import Change

from ..actions import bindings
from ..footer import KeyFooter
from ..header import Header
from ..render import cell
from ..table import Table
from ..workers import post_if_current, thread_db
from .base import AppScreen

SHOWN = 2_000  # rows put in the table at once; the next ones are added as the cursor nears the end
AHEAD = 100  # rows before the end at which the next ones are laid out


class ChangesScreen(AppScreen):
    """Every snapshot's counts, then its changes; typed filters (list:, change:, country:, since:, until:) with live
    counts by list, kind and country; the summary and the counts are the rows' own."""

    BINDINGS = bindings("What's new")

    class Loaded(Message):
        def __init__(self, rows: list[Change]) -> None:
            super().__init__()
            self.rows = rows

    class Filtered(Message):
        def __init__(self, text: str, found: list[Change], cells: Sequence[Sequence[Text]], summary: Text, facets: Text) -> None:
            super().__init__()
            self.text = text
            self.found = found
            self.cells = cells
            self.summary = summary
            self.facets = facets

    class More(Message):
        def __init__(self, text: str, start: int, cells: Sequence[Sequence[Text]]) -> None:
            super().__init__()
            self.text = text
            self.start = start
            self.cells = cells

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Change] = []
        self.found: list[Change] = []  # the rows the filter keeps
        self.shown: list[Change] = []  # those in the table so far (the first of them)
        self._paging = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("What's new: loading…"), id="changes-title")
        yield Static(Text(""), id="snapshots")
        yield Input(placeholder="Filter: " + changes.FILTER_HELP, id="changes-filter")
        yield Static(Text(""), id="change-facets")
        table: Table = Table(id="changes", cursor_type="row", zebra_stripes=True)
        for label, width in (("Date", 10), ("List", 5), ("Change", 8), ("Entity", 40), ("Ctry", 6), ("Citation", 24), ("What changed", 60)):
            table.add_column(label, width=width)
        yield table
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load()

    def reload(self) -> None:
        """Read the changes again (after an import here or in another process)."""
        self.load()

    @work(thread=True, exclusive=True, group="changes")
    def load(self) -> None:
        db = thread_db(self.wl.db_path)
        post_if_current(self, self.Loaded(changes.changes(db)))

    def on_changes_screen_loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        self.refilter()
        self.query_one("#changes", DataTable).focus()

    def _summary(self, found: list[Change]) -> Text:
        """Every snapshot of the changes shown, with counts that are the rows' own."""
        lines = Text()
        for snap in changes.summary(found):
            lines.append(f"{snap['as_of']}  {snap['list_name']}: ", style="bold")
            parts = [f"+{snap['added']:,} added", f"~{snap['changed']:,} changed", f"-{snap['removed']:,} removed"]
            lines.append("  ".join(parts) + (f"  {snap['relisted']:,} relisted" if snap["relisted"] else "") + "\n")
        if not self.rows:
            return Text("Only first snapshots so far: import a newer list to see changes.")
        return lines or Text("No change matches the filter.")

    @on(Input.Changed, "#changes-filter")
    def refilter(self) -> None:
        self.filter_rows(self.query_one("#changes-filter", Input).value, self.rows)

    @work(thread=True, exclusive=True, group="changes-filter")
    def filter_rows(self, text: str, rows: list[Change]) -> None:
        """Filter, count and lay out the rows off the UI thread (a keystroke superseded by the next is never drawn)."""
        wanted = changes.parse_filter(text, {c.list for c in rows})
        found = [c for c in rows if changes.wanted(c, wanted)]
        counts = changes.facets(found)
        facets = Text()
        for label, key in (("lists", "list"), ("changes", "change"), ("countries", "country")):
            top = sorted(counts[key].items(), key=lambda kv: (-kv[1], kv[0]))[:8]  # ties in a stable order
            if top:
                facets.append(f"{label}: ", style="bold")
                facets.append(" ".join(f"{k} {n:,}" for k, n in top) + ("  …" if len(counts[key]) > 8 else "") + "   ")
        if wanted.unknown:
            facets.append("not understood: " + ", ".join(wanted.unknown), style="bold red")
        self.post_message(self.Filtered(text, found, _cells(found[:SHOWN]), self._summary(found), facets))

    def on_changes_screen_filtered(self, message: Filtered) -> None:
        if message.text != self.query_one("#changes-filter", Input).value:
            return  # typed on since: the newer filter's rows are coming
        self.found = message.found
        self.shown = self.found[:SHOWN]
        self._paging = False
        self.query_one("#snapshots", Static).update(message.summary)
        self.query_one("#change-facets", Static).update(message.facets)
        table = self.query_one("#changes", DataTable)
        table.clear()
        table.add_rows(message.cells)
        self._title()

    def _title(self) -> None:
        found, shown = len(self.found), len(self.shown)
        more = f" ({shown:,} laid out; the rest follow as you scroll)" if found > shown else ""
        self.query_one("#changes-title", Static).update(Text(f"What's new: {found:,} changes{more} · Enter open the entity · / filter · Esc back"))

    @on(DataTable.RowHighlighted, "#changes")
    def near_the_end(self, event: DataTable.RowHighlighted) -> None:
        self._lay_out_more(event.cursor_row)

    def _lay_out_more(self, cursor_row: int) -> None:
        """No cap on the rows: nearing the end of those laid out, lay out the next ones (in a thread)."""
        if not self._paging and len(self.shown) < len(self.found) and cursor_row >= len(self.shown) - AHEAD:
            self._paging = True
            self.more_rows(self.query_one("#changes-filter", Input).value, self.found, len(self.shown))

    @work(thread=True, group="changes-more")
    def more_rows(self, text: str, found: list[Change], start: int) -> None:
        self.post_message(self.More(text, start, _cells(found[start : start + SHOWN])))

    def on_changes_screen_more(self, message: More) -> None:
        self._paging = False
        if message.text != self.query_one("#changes-filter", Input).value or message.start != len(self.shown):
            return  # the filter changed meanwhile: its own rows were laid out
        self.shown = self.found[: message.start + len(message.cells)]
        table = self.query_one("#changes", DataTable)
        table.add_rows(message.cells)
        self._title()
        self._lay_out_more(table.cursor_row)  # still near the end (End, or a key held down): the next ones too

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


def _cells(found: Sequence[Change]) -> list[tuple[Text, ...]]:
    """The table's cells for these changes."""
    return [
        (
            cell(c.as_of),
            cell(c.list),
            cell(c.change, "bold" if c.change == "added" else ""),
            cell(c.name),
            cell(",".join(c.countries)),
            cell(c.citation),
            cell(changes.describe(c) if c.change == "changed" else ""),
        )
        for c in found
    ]
