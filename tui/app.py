"""The explorer: search as you type, results, and an entity's record. SQLite and matching run in workers."""

from __future__ import annotations

import threading
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual.worker import get_current_worker

from store import connect, queries
from store.search import SearchIndex, SearchResult

from .safe import safe

_local = threading.local()


def thread_db(path: Path):
    """A read-only store connection for the current worker thread."""
    db = getattr(_local, "db", None)
    if db is None or getattr(_local, "path", None) != path:
        db = _local.db = connect(path, readonly=True)
        _local.path = path
    return db


class IndexReady(Message):
    """The search index is built."""

    def __init__(self, index: SearchIndex) -> None:
        super().__init__()
        self.index = index


class ResultsReady(Message):
    """Search results for one query (stale ones are dropped by the handler)."""

    def __init__(self, query: str, result: SearchResult) -> None:
        super().__init__()
        self.query = query
        self.result = result


class EntityScreen(Screen):
    """One entity: listings, names, addresses, identifiers, goods, relations, sources."""

    BINDINGS = [Binding("escape,backspace", "app.pop_screen", "Back")]

    class Loaded(Message):
        def __init__(self, record: dict) -> None:
            super().__init__()
            self.record = record

    def __init__(self, db_path: Path, entity_id: int) -> None:
        super().__init__()
        self.db_path = db_path
        self.entity_id = entity_id

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static(Text("Loading…"), id="record")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="entity")
    def load(self) -> None:
        record = queries.entity(thread_db(self.db_path), self.entity_id)
        self.post_message(self.Loaded(record or {}))

    def on_entity_screen_loaded(self, message: Loaded) -> None:
        self.query_one("#record", Static).update(render_record(message.record))


def render_record(record: dict) -> Text:
    """The entity record as plain text (every value sanitised)."""
    out = Text()
    if not record:
        return Text("No such entity.")
    out.append_text(safe(record["name"], "bold"))
    out.append(f"\n{record['kind']} · {', '.join(record['countries'])} · key {record['key']}\n")
    sections = [
        ("Listings", "listings", ("list", "status", "citation", "start_date", "end_date", "programs",
                                  "license_requirement", "license_policy", "source_url", "source")),
        ("Names", "names", ("name", "kind", "list")),
        ("Addresses", "addresses", ("address", "country", "list", "shared_with")),
        ("Identifiers", "identifiers", ("kind", "value", "country")),
        ("Goods", "goods", ("hs_code", "description", "chpl_tier", "goods", "evidence")),
        ("Relations", "relations", ("kind", "detail", "entity_name")),
        ("History", "changes", ("as_of", "list", "change", "fields")),
        ("Sources", "sources", ("name", "as_of", "url", "license")),
    ]
    for title, key, fields in sections:
        if not record.get(key):
            continue
        out.append(f"\n{title}\n", style="bold underline")
        for row in record[key]:
            parts = [f"{row[f]}" for f in fields if row.get(f) not in (None, "", 0)]
            out.append("  • ")
            out.append_text(safe(" | ".join(parts)))
            out.append("\n")
    return out


class WatchlistApp(App):
    """Search every name and alias; Enter opens the entity."""

    TITLE = "watchlist"
    CSS = """
    #search { dock: top; }
    #status { dock: bottom; height: 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit"),
        Binding("escape,slash", "focus_search", "Search", show=False),
    ]

    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self.db_path = db_path
        self.index: SearchIndex | None = None
        self.latest_query = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Search names and aliases (e.g. sinno, 保利, country:HK list:EL)", id="search")
        table: DataTable = DataTable(id="results", cursor_type="row", zebra_stripes=True)
        table.add_columns("Name", "Matched", "Countries", "Lists", "Status", "Score")
        yield table
        yield Static(Text("Loading the index…"), id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#search", Input).focus()
        self.build_index()

    @work(thread=True, exclusive=True, group="index")
    def build_index(self) -> None:
        index = SearchIndex.build(thread_db(self.db_path).conn)
        index.search("保利")  # warm pinyin and caches off the UI thread
        self.post_message(IndexReady(index))

    def on_index_ready(self, message: IndexReady) -> None:
        self.index = message.index
        self.run_search(self.query_one("#search", Input).value)

    @on(Input.Changed, "#search")
    def on_search_changed(self, event: Input.Changed) -> None:
        self.latest_query = event.value
        if self.index is not None:
            self.run_search(event.value)

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, text: str) -> None:
        worker = get_current_worker()
        assert self.index is not None
        result = self.index.search(text, limit=200, cancelled=lambda: worker.is_cancelled)
        if result is not None and not worker.is_cancelled:
            self.post_message(ResultsReady(text, result))

    def on_results_ready(self, message: ResultsReady) -> None:
        if message.query != self.latest_query:
            return  # a newer query is on its way
        table = self.query_one("#results", DataTable)
        table.clear()
        for hit in message.result.hits:
            matched = hit.matched_name if hit.matched_name != hit.name else ""
            table.add_row(safe(hit.name), safe(matched), safe(",".join(hit.countries)),
                          safe(" ".join(hit.lists) or "—"), safe(hit.status), Text(f"{hit.score:.0f}"),
                          key=str(hit.entity_id))
        facets = message.result.facets["list"]
        status = f"{message.result.total} matches in {message.result.elapsed_ms:.1f} ms  " + " ".join(
            f"{k}:{v}" for k, v in list(facets.items())[:8])
        self.query_one("#status", Static).update(Text(status))

    @on(Input.Submitted, "#search")
    def on_search_submitted(self) -> None:
        self.query_one("#results", DataTable).focus()

    def on_key(self, event) -> None:
        if event.key == "down" and self.focused is self.query_one("#search", Input):
            self.query_one("#results", DataTable).focus()
            event.stop()

    @on(DataTable.RowSelected, "#results")
    def open_entity(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.push_screen(EntityScreen(self.db_path, int(event.row_key.value)))

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()
