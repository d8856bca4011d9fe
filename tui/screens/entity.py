"""One entity in sections, with a browser-like trail: follow relations and shared addresses, come back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Sparkline, Static, TabbedContent, TabPane
from textual.widgets.data_table import RowDoesNotExist

from watchlist.store import queries, resolve
from watchlist.store.changes import describe
from watchlist.store.hs import dotted
from watchlist.store.models import Candidate, Entity, Record
from watchlist.store.trade import best_yearly

from ..actions import SECTIONS, bindings
from ..footer import KeyFooter
from ..header import Header
from ..render import badges, cell, overview, trade_chart
from ..safe import safe
from ..table import Table
from ..workers import post_if_current, thread_db, thread_writer
from .base import NARROW, AppScreen

# (pane id, title, columns); the tables are filled from the record's lists of the same name.
TABLES: list[tuple[str, str, tuple[str, ...]]] = [
    ("listings", "Listings", ("List", "Status", "Programs", "Citation", "Start", "End / removed", "License requirement", "License policy", "Source")),
    ("history", "History", ("Date", "List", "Change", "What changed", "Citation", "Snapshot")),
    ("aliases", "Aliases", ("Name", "Kind", "From list", "Source")),
    ("addresses", "Addresses", ("Address", "Country", "Also listed here", "Their lists", "From list")),
    ("identifiers", "Identifiers", ("Kind", "Value", "Country", "From list")),
    ("goods", "Goods", ("HS", "Description", "CHPL tier", "Goods", "Evidence", "Source")),
    ("trade", "Trade", ("HS", "Reporter", "Partner", "Flow", "Period", "Value", "Unit", "Source")),
    ("relations", "Relations", ("Kind", "Direction", "Entity", "Their lists", "Detail")),
    ("records", "Records", ("Status", "Record", "Lists", "Name", "Countries", "Why")),
    ("sources", "Sources", ("Source", "As of", "File", "URL", "License")),
]
TABLE_PANES = {t[0] for t in TABLES}
MAX_ROWS = 1000  # rows put in one section's table
PANES = [pane for pane, _ in SECTIONS]  # tab order: the registry names them for the keys and the help
# Below 120 columns every tab still fits in one bar (80 columns) under a short title
SHORT_TITLES = {
    "overview": "Ovw",
    "listings": "Lists",
    "history": "Hist",
    "aliases": "Names",
    "addresses": "Addr",
    "identifiers": "IDs",
    "goods": "Goods",
    "trade": "Trade",
    "relations": "Rel",
    "records": "Rec",
    "sources": "Src",
    "notes": "Notes",
}
# Columns that hold long text get a fixed width (the Overview and exports show them whole).
WIDTHS = {
    "What changed": 60,
    "Why": 50,
    "Programs": 16,
    "Citation": 26,
    "License requirement": 28,
    "License policy": 28,
    "Source": 26,
    "Address": 44,
    "Also listed here": 40,
    "Description": 36,
    "Goods": 30,
    "Evidence": 40,
    "Detail": 40,
    "URL": 40,
    "Name": 50,
}


def _lists(text: str | None) -> list[str]:
    """ "EL:active SDN:removed" as badges: the code, "(removed)" after a removed one."""
    return [code if status == "active" else f"{code} (removed)" for code, _, status in (p.partition(":") for p in (text or "").split())]


@dataclass(slots=True)
class Stop:
    """One step of the trail: which entity, which section, which row (ids, not live widgets)."""

    entity_id: int
    name: str = ""
    pane: str = "overview"
    row: int = 0


class EntityScreen(AppScreen):
    """Overview, Listings, History, Aliases, Addresses, Identifiers, Goods, Trade, Relations, Records, Sources, Notes."""

    BINDINGS = bindings("Entity")

    class Loaded(Message):
        def __init__(self, entity_id: int, record: Entity | None) -> None:
            super().__init__()
            self.entity_id = entity_id
            self.record = record

    def __init__(self, entity_id: int, origin: str = "Search") -> None:
        super().__init__()
        self.origin = origin
        self.trail: list[Stop] = [Stop(entity_id)]
        self.record: Entity | None = None
        self.restore: Stop | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(""), id="crumbs")
        with TabbedContent(id="sections", initial="overview"):
            with TabPane("Overview", id="overview"), VerticalScroll():
                yield Static(Text("Loading…"), id="overview-text")
            for pane, title, columns in TABLES:
                with TabPane(title, id=pane):
                    if pane == "records":
                        yield Static(
                            Text(
                                "The list records this entity is made of, then other entities that may be the same."
                                "  m: same entity · x: not the same (or split this record out) · Enter: open",
                                style="dim",
                            ),
                            id="records-hint",
                        )
                    if pane == "trade":  # figures over time as a chart, the numbers in the table below
                        yield Static(Text(""), id="trade-chart-label")
                        yield Sparkline([], id="trade-chart")
                    table: Table = Table(id=f"t-{pane}", cursor_type="row", zebra_stripes=True)
                    for column in columns:
                        table.add_column(column, width=WIDTHS.get(column))
                    yield table
                    if pane == "trade":
                        yield Static(Text("Shipments linked to this entity", style="bold"), id="shipments-title")
                        shipments: Table = Table(id="t-shipments", cursor_type="row", zebra_stripes=True)
                        for column in ("By", "HS / counterparty", "Country", "Shipments", "Value", "First", "Last"):
                            shipments.add_column(column)
                        yield shipments
            with TabPane("Notes", id="notes"), VerticalScroll():
                yield Static(Text(""), id="notes-text")
        yield Static(Text(""), id="row-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load(self.trail[-1].entity_id)

    def start(self, entity_id: int, origin: str) -> None:
        """Show another entity from the start, as a new screen would (the kept screen, opened again)."""
        self.origin = origin
        self.trail = [Stop(entity_id)]
        self.record = None
        self.restore = None
        self.set_focus(None)  # the screen's first focusable widget takes it when shown, as at its first opening
        self.query_one("#sections", TabbedContent).active = "overview"
        self.query_one("#overview-text", Static).update(Text("Loading…"))
        for pane, _, _ in TABLES:
            self.query_one(f"#t-{pane}", DataTable).clear()
        self.query_one("#t-shipments", DataTable).clear()
        for widget in (self.query_one("#row-detail", Static), self.query_one("#notes-text", Static), self.query_one("#crumbs", Static)):
            widget.update(Text(""))
        self.query_one("#overview", TabPane).query_one(VerticalScroll).scroll_home(animate=False)
        self.load(entity_id)

    def on_screen_resume(self) -> None:
        self.on_resize()  # the terminal may have been resized while the screen was hidden

    def on_resize(self) -> None:
        """Short tab titles below the breakpoint (all twelve in view at 80 columns), the full ones above it."""
        short = self.size.width < NARROW
        tabs = self.query_one("#sections", TabbedContent)
        for pane, title in SECTIONS:
            tab = tabs.get_tab(pane)
            wanted = SHORT_TITLES[pane] if short else title
            if str(tab.label) != wanted:
                tab.label = wanted

    # -- loading -------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="entity")
    def load(self, entity_id: int) -> None:
        post_if_current(self, self.Loaded(entity_id, queries.entity(thread_db(self.wl.db_path), entity_id)))

    def reload(self) -> None:
        """Read the current entity again (after a star or a note)."""
        self.restore = self._snapshot()
        self.load(self.trail[-1].entity_id)

    def on_entity_screen_loaded(self, message: Loaded) -> None:
        if message.entity_id != self.trail[-1].entity_id:
            return
        record = self.record = message.record
        self.trail[-1].name = record.name if record else "?"
        self.query_one("#overview-text", Static).update(overview(record))
        rows = self._rows(record) if record else {pane: [] for pane, _, _ in TABLES}
        for pane, _, columns in TABLES:
            table = self.query_one(f"#t-{pane}", DataTable)
            table.clear()
            for i, (values, key) in enumerate(rows[pane][:MAX_ROWS]):  # row keys: "<n>:<entity id>", "<n>:hs:<code>" or "<n>:"
                table.add_row(
                    *[badges(v) if isinstance(v, list) and pane in ("addresses", "relations", "records") else cell(v) for v in values],
                    key=f"{i}:{key or ''}",
                )
            if len(rows[pane]) > MAX_ROWS:  # a table stays quick to draw; the export has every row
                table.add_row(
                    cell(f"… {len(rows[pane]) - MAX_ROWS:,} more: export the dossier (e) for all", "italic"),
                    *[cell("") for _ in columns[1:]],
                    key=f"{MAX_ROWS}:",
                )
        if record:
            self._show_trade(record)
        note = (record.note if record else None) or "No note yet. Press n to write one."
        self.query_one("#notes-text", Static).update(safe(note))
        self._show_crumbs()
        if self.restore is not None and self.restore.entity_id == message.entity_id:
            self._apply(self.restore)
        self.restore = None

    def _rows(self, record: Entity) -> dict[str, list[tuple[list[Any], str | None]]]:
        """Each section's table rows (values, and the row's target: an entity id or "hs:<code>")."""
        return {
            "listings": [
                (
                    [
                        x.list,
                        x.status,
                        x.programs,
                        x.citation,
                        x.start_date,
                        x.end_date or x.removed_date,
                        x.license_requirement,
                        x.license_policy,
                        x.source,
                    ],
                    None,
                )
                for x in record.listings
            ],
            "aliases": [([n.name, n.kind, n.list, n.source], None) for n in record.names],
            "addresses": self._address_rows(record),
            "identifiers": [([i.kind, i.value, i.country, i.list], None) for i in record.identifiers],
            "goods": [([dotted(g.hs_code), g.description, g.chpl_tier, g.goods, g.evidence, g.source], f"hs:{g.hs_code}") for g in record.goods]
            + [
                (
                    [
                        dotted(g["hs_code"]),
                        g["description"],
                        g["chpl_tier"],
                        f"{g['shipments']} shipments",
                        f"value {g['value'] or 0:,.0f}, {g['first']} to {g['last']}",
                        "linked customs records",
                    ],
                    f"hs:{g['hs_code']}",
                )
                for g in record.shipments.by_hs
            ],
            "trade": [([dotted(t.hs_code), t.reporter, t.partner, t.flow, t.period, f"{t.value:,.0f}", t.unit, t.source], None) for t in record.trade],
            "relations": [
                ([r.kind, r.direction, r.entity_name, list(r.lists), r.detail], str(r.entity_id) if r.entity_id else None) for r in record.relations
            ],
            "sources": [([s.name, s.as_of, s.file, s.url, s.license], None) for s in record.sources],
            "history": [
                (
                    [
                        c.as_of,
                        c.list,
                        c.change + (" (first snapshot)" if c.baseline else ""),
                        describe(c) if c.change == "changed" else "",
                        c.citation,
                        Path(c.file or "").name,
                    ],
                    None,
                )
                for c in reversed(record.changes)
            ],
            "records": self._record_rows(record),
        }

    def _show_trade(self, record: Entity) -> None:
        """The best-covered yearly series as a sparkline; shipments by HS code and counterparty."""
        data, label = trade_chart(best_yearly(record.trade))
        chart = self.query_one("#trade-chart", Sparkline)
        chart.data, chart.display = data, bool(data)
        self.query_one("#trade-chart-label", Static).update(label)
        shipped = record.shipments
        table = self.query_one("#t-shipments", DataTable)
        table.clear()
        for r in shipped.by_hs:
            table.add_row(
                cell("HS"),
                cell(dotted(r["hs_code"])),
                cell(""),
                cell(r["shipments"]),
                cell(f"{r['value'] or 0:,.0f}"),
                cell(r["first"]),
                cell(r["last"]),
            )
        for r in shipped.by_counterparty:
            table.add_row(
                cell("partner"), cell(r["counterparty"]), cell(r["country"]), cell(r["shipments"]), cell(f"{r['value'] or 0:,.0f}"), cell(""), cell("")
            )
        if shipped.count:
            table.add_row(
                cell("total", "bold"),
                cell(""),
                cell(""),
                cell(shipped.count, "bold"),
                cell(f"{shipped.total_value:,.0f}", "bold"),
                cell(""),
                cell(""),
            )
        self.query_one("#shipments-title", Static).update(Text(f"Shipments linked to this entity: {shipped.count:,}", style="bold"))

    @staticmethod
    def _record_rows(record: Entity) -> list[tuple[list[Any], str | None]]:
        """The records resolved into this entity, then the "possibly the same" candidates (Enter opens them)."""
        mine = record.record_ids
        out: list[tuple[list[Any], str | None]] = [
            (
                [
                    "merged" if r.reason != "this record" and len(mine) > 1 else "record",
                    r.key,
                    _lists(r.lists),
                    r.name,
                    ", ".join(r.countries),
                    r.reason,
                ],
                None,
            )
            for r in record.records
        ]
        for c in record.candidates:
            a_side = c.a_id not in mine
            out.append(
                (
                    [
                        "possibly the same",
                        c.a_key if a_side else c.b_key,
                        ((c.a_lists if a_side else c.b_lists) or "").split(),
                        c.a_name if a_side else c.b_name,
                        c.a_countries if a_side else c.b_countries,
                        c.reason,
                    ],
                    str(c.a_id if a_side else c.b_id),
                )
            )
        return out

    @staticmethod
    def _address_rows(record: Entity) -> list[tuple[list[Any], str | None]]:
        out: list[tuple[list[Any], str | None]] = []
        for a in record.addresses:
            if not a.others:
                out.append(([a.address, a.country, "nobody else listed here" if a.shared_with == 0 else "", [], a.list], None))
            for o in a.others:
                out.append(([a.address, a.country, o.name, o.lists.split(), a.list], str(o.entity_id)))
        return out

    def _show_crumbs(self) -> None:
        crumbs = Text(self.origin, style="dim")
        for stop in self.trail:
            crumbs.append(" › ", style="dim")
            crumbs.append_text(safe((stop.name or "…")[:40], "bold" if stop is self.trail[-1] else ""))
        self.query_one("#crumbs", Static).update(crumbs)

    # -- the trail -----------------------------------------------------------------------
    def _snapshot(self) -> Stop:
        stop = self.trail[-1]
        pane = self.query_one("#sections", TabbedContent).active or "overview"
        row = self.query_one(f"#t-{pane}", DataTable).cursor_row if pane in TABLE_PANES else 0
        return Stop(stop.entity_id, stop.name, pane, row)

    def _apply(self, stop: Stop) -> None:
        self.query_one("#sections", TabbedContent).active = stop.pane
        if stop.pane in TABLE_PANES:
            table = self.query_one(f"#t-{stop.pane}", DataTable)
            table.move_cursor(row=stop.row)
            table.focus()

    def follow(self, entity_id: int) -> None:
        """Go to another entity, keeping the way back."""
        self.trail[-1] = self._snapshot()
        self.trail.append(Stop(entity_id))
        self.query_one("#sections", TabbedContent).active = "overview"
        self.query_one("#overview-text", Static).update(Text("Loading…"))
        self.load(entity_id)

    def action_back(self) -> None:
        if len(self.trail) == 1:
            self.dismiss()
            return
        self.trail.pop()
        self.restore = self.trail[-1]
        self.load(self.restore.entity_id)

    @on(TabbedContent.TabActivated, "#sections")
    def on_section_shown(self, event: TabbedContent.TabActivated) -> None:
        pane = event.pane.id or ""
        self.show_row(self.query_one(f"#t-{pane}", DataTable) if pane in TABLE_PANES else None)

    @on(DataTable.RowHighlighted)
    def on_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self.focused:
            self.show_row(event.data_table)

    def show_row(self, table: DataTable | None) -> None:
        """The whole of the table's current row under the sections: a long address, reason or citation cut in its column."""
        out = Text()
        try:
            values = table.get_row_at(table.cursor_row) if table is not None and table.row_count else []
        except RowDoesNotExist:  # the table refilled meanwhile
            values = []
        for column, value in zip(table.columns.values() if table is not None else (), values, strict=False):
            text = value.plain if isinstance(value, Text) else str(value or "")
            if text.strip():
                out.append(f"{column.label.plain}: ", style="bold")
                out.append_text(safe(text))
                out.append("   ")
        self.query_one("#row-detail", Static).update(out)

    @on(DataTable.RowSelected)
    def on_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = (event.row_key.value or "").partition(":")[2]
        if key.isdigit():
            self.follow(int(key))
        elif key.startswith("hs:"):
            self.wl.open_goods(key[3:])

    # -- sections ------------------------------------------------------------------------
    def action_pane(self, i: int) -> None:
        if 0 <= i < len(PANES):
            # the focus leaves the old section first: a focused table left in a hidden section would hand the focus
            # to its neighbour there (Trade's shipments), and the tabs would switch back to it
            self.set_focus(None)
            self.query_one("#sections", TabbedContent).active = PANES[i]
            self._focus_pane(PANES[i])

    def action_next_pane(self) -> None:
        self._step(1)

    def action_previous_pane(self) -> None:
        self._step(-1)

    def _step(self, by: int) -> None:
        active = self.query_one("#sections", TabbedContent).active or "overview"
        self.action_pane((PANES.index(active) + by) % len(PANES))

    def _focus_pane(self, pane: str) -> None:
        table = self.query_one(f"#t-{pane}", DataTable) if pane in TABLE_PANES else None
        if table is not None:
            table.focus()
        self.show_row(table)

    def action_cursor_down(self) -> None:
        if isinstance(self.focused, DataTable):
            self.focused.action_cursor_down()

    def action_cursor_up(self) -> None:
        if isinstance(self.focused, DataTable):
            self.focused.action_cursor_up()

    # -- resolution: merge a candidate, keep it apart, split a record out ---------------------
    def _records_row(self) -> Record | Candidate | None:
        """("record" | "candidate", its row) under the cursor of the Records section, if that is where we are."""
        if (self.query_one("#sections", TabbedContent).active or "") != "records":
            self.notify("Go to the Records section (key 0) to merge or split.", severity="warning", markup=False)
            return None
        row = self.query_one("#t-records", DataTable).cursor_row
        if self.record is None:
            return None
        records, candidates = self.record.records, self.record.candidates
        if row < len(records):
            return records[row]
        if row - len(records) < len(candidates):
            return candidates[row - len(records)]
        return None

    def action_same(self) -> None:
        found = self._records_row() if self.wl.can_write() else None
        if isinstance(found, Candidate):
            self.decide(found.a_key, found.b_key, resolve.SAME)
        elif found:
            self.notify("m merges a 'possibly the same' row; this record is already part of the entity.", markup=False)

    def action_not_same(self) -> None:
        found = self._records_row() if self.wl.can_write() else None
        if found is None:
            return
        if isinstance(found, Candidate):
            self.decide(found.a_key, found.b_key, resolve.DIFFERENT)
        elif self.record is not None and len(self.record.records) > 1:
            self.split(found.id)
        else:
            self.notify("This entity is a single record: nothing to split.", markup=False)

    @work(thread=True, group="user")
    def decide(self, key_a: str, key_b: str, decision: str) -> None:
        db = thread_writer(self.wl.db_path)
        with self.wl.own_write(db.conn):
            resolve.decide(db, key_a, key_b, decision)
        self.app.call_from_thread(self._resolved, "Merged into this entity" if decision == resolve.SAME else "Kept apart")

    @work(thread=True, group="user")
    def split(self, record_id: int) -> None:
        db = thread_writer(self.wl.db_path)
        with self.wl.own_write(db.conn):
            resolve.split(db, record_id)
        self.app.call_from_thread(self._resolved, "Record taken out of this entity (undo: m on it in its own Records)")

    def _resolved(self, message: str) -> None:
        self.notify(message, markup=False)
        self.reload()

    # -- what the app-wide actions act on ------------------------------------------------
    def current_id(self) -> int | None:
        return self.trail[-1].entity_id
