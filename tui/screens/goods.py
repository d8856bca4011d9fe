"""The goods browser: HS sections → chapters → headings → subheadings with CHPL tiers; suppliers per code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Input, Sparkline, Static, Tree
from textual.widgets.tree import TreeNode

from watchlist.store import hs
from watchlist.store.models import TradeFlow
from watchlist.store.trade import best_yearly
from watchlist.store.vocabulary import hs_code

from ..actions import bindings
from ..footer import KeyFooter
from ..header import Header
from ..render import badges, cell, plain, trade_chart
from ..safe import safe
from ..table import Table
from ..workers import post_if_current, thread_db
from .base import AppScreen

if TYPE_CHECKING:
    from ..app import WatchlistApp


def _label(row: dict[str, Any]) -> Text:
    code = row["code"]
    out = Text(f"{hs.dotted(code):<8} ", style="bold")
    out.append_text(safe(row["description"][:70]))
    if row.get("tier"):
        out.append(f"  Tier {row['tier']}", style="bold red")
    elif row.get("chpl"):
        out.append(f"  ({row['chpl']} CHPL)", style="red")
    return out


def load_nomenclature(app: WatchlistApp) -> tuple[list[dict], dict[str, list[dict]]]:
    """The HS sections and the tree under them, read once per app (in a worker; an import elsewhere resets it)."""
    cached = app.hs_cache
    if cached is None:
        db = thread_db(app.db_path)
        cached = app.hs_cache = (hs.sections(db), hs.tree(db))
    return cached


class GoodsScreen(AppScreen):
    """Browse the HS nomenclature; the CHPL codes are marked; a code shows its trade and suppliers."""

    BINDINGS = bindings("Goods")
    AUTO_FOCUS = "#hs-tree"

    class TreeLoaded(Message):
        def __init__(self, sections: list[dict], children: dict[str, list[dict]], path: list[str]) -> None:
            super().__init__()
            self.sections = sections
            self.children = children
            self.path = path

    class NodeLoaded(Message):
        def __init__(self, code: str, node: dict | None) -> None:
            super().__init__()
            self.code = code
            self.node = node

    def __init__(self, code: str | None = None) -> None:
        super().__init__()
        self.start_code = code
        self.hs_children: dict[str, list[dict]] = {}
        self.tree_nodes: dict[str, TreeNode] = {}
        self.code: str | None = None
        self._typing_code = False  # digits typed on the tree are on their way to the box (see on_key)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Go to HS code (e.g. 8542.31, 2818) and Enter", id="hs-goto", select_on_focus=False)
        with Horizontal(id="goods"):
            tree: Tree[str] = Tree(Text("HS 2022"), id="hs-tree")
            tree.show_root = False
            yield tree
            with Vertical(id="goods-side"):
                with VerticalScroll(id="hs-detail-pane"):
                    yield Static(Text("Loading the HS nomenclature…"), id="hs-detail")
                    yield Static(Text(""), id="hs-spark-label")
                    yield Sparkline([], id="hs-spark")
                table: Table = Table(id="suppliers", cursor_type="row", zebra_stripes=True)
                table.add_columns("Supplier", "Ctry", "Lists", "Via", "Goods")
                yield table
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load_tree(self.start_code)

    def on_screen_resume(self) -> None:
        """Shown again (the screen is kept): the code under the cursor is read again, an import may have changed it."""
        if self.code and self.hs_children:
            self.show(self.code)

    def go(self, code: str) -> None:
        """Open at ``code`` when shown: at once if the tree is already there, else once it has loaded."""
        if self.hs_children:
            self.find_code(code)
        else:
            self.start_code = code

    @work(thread=True, group="goods-tree")
    def load_tree(self, code: str | None) -> None:
        db = thread_db(self.wl.db_path)
        cached = load_nomenclature(self.wl)
        self.post_message(self.TreeLoaded(cached[0], cached[1], hs.path_to(db, code) if code else []))

    def on_goods_screen_tree_loaded(self, message: TreeLoaded) -> None:
        if not (self.is_attached and self.query("#hs-tree") and self.query("#hs-detail")):
            return  # made ahead, then forgotten and removed (an import elsewhere) while its tree was read
        self.hs_children = message.children
        tree = self.query_one("#hs-tree", Tree)
        for sec in message.sections:
            label = Text(f"{sec['code']:<6} ", style="bold")
            label.append_text(safe(sec["description"][:60].capitalize()))
            if sec["chpl"]:
                label.append(f"  ({sec['chpl']} CHPL)", style="red")
            self.tree_nodes[sec["code"]] = tree.root.add(label, data=sec["code"])
        self.query_one("#hs-detail", Static).update(Text("Choose a section, chapter, heading or subheading."))
        tree.focus()
        if message.path:
            self.open_path(message.path)
        if not self.is_current:  # made ahead (WatchlistApp.prepare_goods): laid out now, drawn when shown (Textual 8.2)
            self._refresh_layout(self.app.size)

    def _fill(self, node: TreeNode) -> None:
        if node.children or node.data is None:
            return
        for row in self.hs_children.get(node.data, []):
            self.tree_nodes[row["code"]] = node.add(_label(row), data=row["code"], allow_expand=bool(self.hs_children.get(row["code"])))

    def open_path(self, path: list[str]) -> None:
        """Expand the tree down to the last code of ``path`` and put the cursor on it."""
        node = None
        for code in path:
            node = self.tree_nodes.get(code)
            if node is None:
                return
            self._fill(node)
            if code != path[-1]:
                node.expand()
        if node is not None and node.data is not None:
            self.show(node.data)
            self.call_after_refresh(self._land, node)

    def _land(self, node: TreeNode) -> None:
        tree = self.query_one("#hs-tree", Tree)
        tree.move_cursor(node)
        tree.scroll_to_node(node)

    @on(Tree.NodeExpanded, "#hs-tree")
    def on_expanded(self, event: Tree.NodeExpanded) -> None:
        self._fill(event.node)

    @on(Tree.NodeHighlighted, "#hs-tree")
    def on_highlighted(self, event: Tree.NodeHighlighted) -> None:
        if event.node.data:
            self.show(event.node.data)

    def show(self, code: str) -> None:
        self.code = code
        if code.isdigit():
            self.load_node(code)
        else:
            self.query_one("#hs-detail", Static).update(Text(f"Section {code}: expand it for its chapters."))
            self.query_one("#suppliers", DataTable).clear()

    @work(thread=True, exclusive=True, group="goods-node")
    def load_node(self, code: str) -> None:
        post_if_current(self, self.NodeLoaded(code, hs.node(thread_db(self.wl.db_path), code)))

    def on_goods_screen_node_loaded(self, message: NodeLoaded) -> None:
        if message.code != self.code or message.node is None:
            return
        node = message.node
        out = Text(f"HS {hs.dotted(node['code'])}", style="bold")
        if node.get("tier"):
            out.append(f"   CHPL {node['tier_name'] or 'Tier ' + node['tier']}", style="bold red")
        out.append("\n")
        out.append_text(safe(node["description"]))
        out.append("\n")
        if node.get("tier"):
            out.append_text(safe(f"{node.get('tier_group') or ''}: {node.get('tier_definition') or ''}", "italic"))
            out.append("\n")
            out.append_text(safe(node.get("list_version") or "", "dim"))
            out.append("\n")
        elif node["chpl_below"]:
            out.append_text(safe("CHPL codes under it: " + ", ".join(f"{hs.dotted(c['hs6'])} (tier {c['tier']})" for c in node["chpl_below"]), "red"))
            out.append("\n")
        if node["trade"]:
            out.append("\nTrade\n", style="bold underline")
            for t in node["trade"]:
                out.append_text(
                    safe(
                        f"  {t.reporter}→{t.partner} {t.flow} HS {hs.dotted(t.hs_code)} {t.period}: "
                        f"{t.value:,.0f} {t.unit}" + (f"  ({t.source})" if t.source else "")
                    )
                )
                out.append("\n")
        out.append(f"\n{len(node['suppliers'])} suppliers linked", style="bold")
        out.append(" (Enter on one opens it)\n" if node["suppliers"] else "\n")
        self.query_one("#hs-detail", Static).update(out)
        self._chart(node["trade"])
        table = self.query_one("#suppliers", DataTable)
        table.clear()
        for s in node["suppliers"]:
            table.add_row(
                cell(s["name"]), cell(s["countries"]), badges(s["lists"]), cell(s["via"]), cell(s.get("goods")), key=f"{s['entity_id']}:{s['hs_code']}"
            )

    def _chart(self, trade: Sequence[TradeFlow]) -> None:
        """Yearly figures of the best-covered series as a sparkline, the numbers beside it."""
        data, label = trade_chart(best_yearly(trade))
        spark = self.query_one("#hs-spark", Sparkline)
        spark.data, spark.display = data, bool(data)
        self.query_one("#hs-spark-label", Static).update(label)

    @on(DataTable.RowSelected, "#suppliers")
    def open_supplier(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.wl.open_entity(int((event.row_key.value or "0").split(":")[0]), f"Goods {hs.dotted(self.code or '')}")

    def action_focus_goto(self) -> None:
        box = self.query_one("#hs-goto", Input)
        box.focus()
        box.select_all()  # a new code replaces the last one

    def on_key(self, event: events.Key) -> None:
        """A digit typed on the tree starts a code in the box: typing 8542.31 and Enter jumps there from anywhere.

        Keys typed quickly (or pasted) arrive before the focus has moved to the box: until it has, the next ones are
        added to the box here, and an Enter among them jumps."""
        box = self.query_one("#hs-goto", Input)
        if self.focused is not self.query_one("#hs-tree", Tree):
            return
        typing = self._typing_code
        if event.key == "enter" and typing:
            self.jump_to(box.value)
        elif event.character and (event.character.isdigit() or (typing and event.character in ". ")):
            if typing:
                box.insert_text_at_cursor(event.character)
            else:
                box.value = event.character
                box.cursor_position = 1
                self._typing_code = True
            box.focus()
        else:
            return
        event.stop()
        event.prevent_default()

    @on(events.DescendantFocus)
    def _focus_moved(self, event: events.DescendantFocus) -> None:
        self._typing_code = False  # the box (or anything else) has the focus now: keys go where it is

    @on(Input.Submitted, "#hs-goto")
    def goto(self, event: Input.Submitted) -> None:
        self.jump_to(event.value)

    def jump_to(self, typed: str) -> None:
        code = hs_code(typed)
        if code.isdigit():
            self.find_code(code)
        elif code:
            self.notify(f"{plain(typed)}: not an HS code (digits, with or without dots: 8542.31)", severity="warning", markup=False)

    @work(thread=True, exclusive=True, group="goods-goto")
    def find_code(self, code: str) -> None:
        path = hs.path_to(thread_db(self.wl.db_path), code)
        self.app.call_from_thread(self._goto_path, code, path)

    def _goto_path(self, code: str, path: list[str]) -> None:
        if not path:
            self.notify(f"No HS code {code} in the nomenclature.", severity="warning", markup=False)
            return
        self.open_path(path)
        self.query_one("#hs-tree", Tree).focus()

    def action_focus_suppliers(self) -> None:
        self.query_one("#suppliers", DataTable).focus()

    def action_back(self) -> None:
        self.dismiss()

    def current_id(self) -> int | None:
        table = self.query_one("#suppliers", DataTable)
        if self.focused is table and table.row_count:
            key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value or "0"
            return int(key.split(":")[0])
        return None
