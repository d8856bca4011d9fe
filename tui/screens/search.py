"""The main screen: a search box, facets, results as you type, and a preview that follows the cursor."""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from watchlist.store import queries
from watchlist.store.models import Entity
from watchlist.store.search import Filters, Hit, SearchResult, parse_query

from ..actions import FACET_KEYS, bindings
from ..footer import KeyFooter
from ..header import Header
from ..render import badges, cell, overview
from ..safe import safe
from ..table import Table
from ..workers import thread_db
from .base import AppScreen

# Queries the placeholder suggests, each with the entity it finds first (tests/test_search.py checks they still do).
EXAMPLES = ("sinno", "保利科技", "Hang Zhou Hik-Vision", "ПАО Сбербанк России")


@dataclass(frozen=True, slots=True)
class Facet:
    """One narrowing choice: a list, a country or a kind."""

    field: str  # "list", "country" or "kind"
    value: str

    def label(self) -> str:
        return f"{self.field}:{self.value}"


def merge(filters: Filters, facets: set[Facet]) -> Filters:
    """Typed filters plus the facets chosen with a key or a click."""
    for f in facets:
        if f.field == "list":
            filters.lists.add(f.value)
        elif f.field == "country":
            filters.countries.add(f.value)
        elif f.field == "kind":
            filters.kinds.add(f.value)
    return filters


class SearchScreen(AppScreen):
    """Search every name and alias; Enter opens the entity."""

    BINDINGS = bindings("Search")

    class Results(Message):
        """Results for one query (stale ones are dropped by the handler)."""

        def __init__(self, query: str, result: SearchResult) -> None:
            super().__init__()
            self.query = query
            self.result = result

    class Preview(Message):
        """A record loaded for the preview pane."""

        def __init__(self, entity_id: int, record: Entity | None) -> None:
            super().__init__()
            self.entity_id = entity_id
            self.record = record

    def __init__(self) -> None:
        super().__init__()
        self.latest = ""
        self.hits: list[Hit] = []
        self.facet_choices: list[Facet] = []
        self.facets: set[Facet] = set()
        self.result: SearchResult | None = None
        self.previewing: int | None = None  # the entity the preview shows or is reading

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Search names and aliases: " + " · ".join(EXAMPLES) + " · country:HK list:EL tier:1", id="search")
        yield Static(Text(""), id="facets")
        with Horizontal(id="main"):
            table: Table = Table(id="results", cursor_type="row", zebra_stripes=True)
            # the name, then what decides (lists, status, score): in view at 80 columns, where the preview folds away
            for label, width in (("Name", 34), ("Lists", 10), ("Status", 7), ("Score", 5), ("Ctry", 6), ("Tier", 4), ("Matched alias", 22)):
                table.add_column(label, width=width)
            yield table
            with VerticalScroll(id="preview-pane"):
                yield Static(Text("Type to search. Enter opens, ↓ moves to the results, ? for help."), id="preview")
        yield Static(Text("Loading the index…"), id="status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#search", Input).focus()

    def action_toggle_preview(self) -> None:
        """Show the preview where it starts hidden (a narrow terminal), hide it where it shows."""
        shown = self.query_one("#preview-pane").display
        self.set_class(not shown, "-preview-on")
        self.set_class(shown, "-preview-off")

    # -- searching -----------------------------------------------------------------------
    def refresh_results(self) -> None:
        """Search again: once the index is built, or after a star changed the watchlist filter."""
        self.run_search(self.latest)

    @on(Input.Changed, "#search")
    def on_search_changed(self, event: Input.Changed) -> None:
        self.latest = event.value
        self.run_search(event.value)

    def _request(self) -> str:
        return self.latest + "\x00" + ",".join(sorted(f.label() for f in self.facets))

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, text: str) -> None:
        index = self.wl.index
        if index is None:
            return
        worker = get_current_worker()
        request = self._request()
        time.sleep(0.02)  # debounce: a key typed within 20 ms cancels this search
        if worker.is_cancelled:
            return
        typed, filters = self._parsed(text)
        result = index.search(typed, filters, limit=200, cancelled=lambda: worker.is_cancelled)
        if result is not None and not worker.is_cancelled:
            self.post_message(self.Results(request, result))

    def on_search_screen_results(self, message: Results) -> None:
        if message.query != self._request():
            return  # a newer query is on its way
        keep = self.current_id() if message.result.query == (self.result.query if self.result else None) else None
        self.result = message.result
        self.hits = message.result.hits
        table = self.query_one("#results", DataTable)
        table.clear()
        for hit in self.hits:
            matched = hit.matched_name if hit.matched_name != hit.name else ""
            star = "★ " if hit.entity_id in (self.wl.index.watchlist if self.wl.index else ()) else ""
            table.add_row(
                Text(star, style="yellow") + safe(hit.name),
                badges(hit.lists, hit.removed_lists),
                cell(hit.status),
                Text(f"{hit.score:.0f}" if self.latest.strip() else "", justify="right"),
                cell(hit.countries),
                cell(hit.tiers),
                cell(matched, "italic"),
                key=str(hit.entity_id),
            )
        self._show_facets(message.result)
        self._show_status(message.result)
        ids = [h.entity_id for h in self.hits]
        if keep in ids:  # the same query again (a star changed): stay on the same row
            table.move_cursor(row=ids.index(keep))
        if self.hits:
            self.previewing = self.current_id() or self.hits[0].entity_id
            self.load_preview(self.previewing)  # read again: the record may have changed since
        else:
            self.query_one("#preview", Static).update(Text("No match." if self.latest.strip() else ""))

    def _show_facets(self, result: SearchResult) -> None:
        choices: list[Facet] = []
        for field, limit in (("list", 5), ("country", 3), ("kind", 1)):
            for value in list(result.facets.get(field, {}))[:limit]:
                if Facet(field, value) not in self.facets:
                    choices.append(Facet(field, value))
        self.facet_choices = choices[: len(FACET_KEYS)]
        bar = Text()
        for i, f in enumerate(sorted(self.facets, key=Facet.label)):
            bar.append_text(safe(f" {f.label()} ✕ ", Style(bold=True, reverse=True, meta={"@click": f"screen.drop_facet({i})"})))
            bar.append(" ")
        for i, f in enumerate(self.facet_choices):
            count = result.facets.get(f.field, {}).get(f.value, 0)
            bar.append(f"{FACET_KEYS[i]}", style="bold")
            bar.append_text(safe(f" {f.value} {count}", Style(meta={"@click": f"screen.toggle_facet({i})"})))
            bar.append("  ")
        if self.facets:
            bar.append("0 clears", style="dim")
        self.query_one("#facets", Static).update(bar)

    def _show_status(self, result: SearchResult) -> None:
        shown = len(result.hits)
        more = f" (first {shown})" if result.total > shown else ""
        self.query_one("#status", Static).update(
            Text(f"{result.total:,}{'+' if result.more else ''} entities{more} · {result.elapsed_ms:.1f} ms · Enter open · w star · e export · ? help")
        )

    # -- facets --------------------------------------------------------------------------
    def on_key(self, event) -> None:
        if event.key == "down" and self.focused is self.query_one("#search", Input):
            self.query_one("#results", DataTable).focus()
            event.stop()

    def toggle_facet(self, i: int) -> None:
        if 0 <= i < len(self.facet_choices):
            self.facets.add(self.facet_choices[i])
            self.run_search(self.latest)

    def action_toggle_facet(self, i: int) -> None:
        self.toggle_facet(i)

    def action_drop_facet(self, i: int) -> None:
        chosen = sorted(self.facets, key=Facet.label)
        if 0 <= i < len(chosen):
            self.facets.discard(chosen[i])
            self.run_search(self.latest)

    def action_clear_facets(self) -> None:
        if self.facets:
            self.facets.clear()
            self.run_search(self.latest)

    # -- moving around -------------------------------------------------------------------
    @on(Input.Submitted, "#search")
    def on_search_submitted(self) -> None:
        self.query_one("#results", DataTable).focus()

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_cursor_down(self) -> None:
        self.query_one("#results", DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#results", DataTable).action_cursor_up()

    @on(DataTable.RowSelected, "#results")
    def open_entity(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.wl.open_entity(int(event.row_key.value or 0), "Search")

    @on(DataTable.RowHighlighted, "#results")
    def follow_cursor(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value is not None and int(event.row_key.value) != self.previewing:
            self.previewing = int(event.row_key.value)  # not twice for new results: their first row is read already
            self.load_preview(self.previewing)

    @work(thread=True, exclusive=True, group="preview")
    def load_preview(self, entity_id: int) -> None:
        worker = get_current_worker()
        time.sleep(0.03)  # keys held down: only the row the cursor rests on is read
        if worker.is_cancelled:
            return
        record = queries.entity(thread_db(self.wl.db_path), entity_id)
        if not worker.is_cancelled:
            self.post_message(self.Preview(entity_id, record))

    def on_search_screen_preview(self, message: Preview) -> None:
        if self.current_id() == message.entity_id:
            self.query_one("#preview", Static).update(overview(message.record))

    # -- what the app-wide actions act on ------------------------------------------------
    def current_id(self) -> int | None:
        """The entity under the cursor."""
        table = self.query_one("#results", DataTable)
        if not self.hits or table.row_count == 0:
            return None
        row = min(max(table.cursor_row, 0), len(self.hits) - 1)
        return self.hits[row].entity_id

    def export_payload(self) -> tuple[str, list[dict]]:
        """The current results for ``e``: every match of a query that has words (searched again in full when more match
        than the results hold: "bank" holds 131 of 166), else the results held (a filter or the empty box lists entities
        rather than matches them; ``watchlist export`` writes the whole store). Reads the store: call it in a thread."""
        index, result = self.wl.index, self.result
        text = self.latest
        typed, filters = self._parsed(text)
        if index is None or result is None or not typed.strip() or not (result.more or result.total > len(self.hits)):
            return text, [h.as_dict() for h in self.hits]
        every = index.search(typed, filters, limit=len(index.kind) + 1, complete=True)
        return text, [h.as_dict() for h in (every.hits if every is not None else self.hits)]

    def _parsed(self, text: str) -> tuple[str, Filters]:
        """What the box says, as the index is asked it: the words (a trailing space kept: the last word is finished) and
        the filters typed, with the facets chosen."""
        typed, filters = parse_query(text)
        return typed + (" " if text.endswith(" ") else ""), merge(filters, self.facets)
