"""An entity's neighbourhood as a tree: ties two hops out (three with +), Enter re-centres, Esc goes back."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from watchlist.store import network
from watchlist.store.network import Network, Tie

from ..actions import bindings
from ..footer import KeyFooter
from ..header import Header
from ..render import badges, cell
from ..safe import safe
from ..workers import post_if_current, thread_db
from .base import AppScreen


class NetworkScreen(AppScreen):
    """The tree of one centre's ties; the trail of centres is the way back."""

    BINDINGS = bindings("Network")

    class Loaded(Message):
        def __init__(self, found: Network | None, entity_id: int) -> None:
            super().__init__()
            self.found = found
            self.entity_id = entity_id

    def __init__(self, entity_id: int) -> None:
        super().__init__()
        self.trail: list[int] = [entity_id]  # the centres, the current one last
        self.hops = network.HOPS
        self.shared = True  # follow shared addresses and contacts too (t: only what the lists state)
        self.found: Network | None = None
        self.names: dict[int, str] = {}  # of the centres seen, for the trail

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Network: loading…"), id="net-title")
        tree: Tree[int | None] = Tree(Text("…"), id="net-tree")
        tree.auto_expand = False  # Enter re-centres; it must not fold the node
        yield tree
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="network")
    def load(self) -> None:
        centre = self.trail[-1]
        post_if_current(self, self.Loaded(network.neighbourhood(thread_db(self.wl.db_path), centre, self.hops, shared=self.shared), centre))

    def on_network_screen_loaded(self, message: Loaded) -> None:
        if message.entity_id != self.trail[-1]:
            return  # a centre left before its ties arrived
        found = self.found = message.found
        tree = self.query_one("#net-tree", Tree)
        tree.clear()
        if found is None:
            tree.root.set_label(Text("No such entity"))
            return
        self.names[found.centre] = found.name
        tree.root.set_label(Text.assemble(cell(found.name), "  ", badges(found.lists)))
        tree.root.data = found.centre
        self._grow(tree.root, found, found.centre)
        tree.root.expand_all()
        trail = " › ".join(self.names.get(c, f"#{c}")[:30] for c in self.trail[:-1])
        said = f"{len(found.ties)} ties, {found.hops} hops out" + ("" if found.shared else ", stated relations only")
        said += " (more left out)" if found.truncated else ""
        if not found.ties:
            said = "no ties: no relation stated by its lists" + (", no shared street address or contact" if found.shared else " (t: shared ones too)")
        # names are data: safe() shows control and escape characters visibly, as everywhere else
        self.query_one("#net-title", Static).update(
            safe(f"Network of {found.name}: {said}" + (f" · back: {trail}" if trail else "") + " · Enter re-centre · o open · + hops · t stated only")
        )
        tree.focus()
        tree.move_cursor(tree.root)

    def _grow(self, node: TreeNode, found: Network, via: int) -> None:
        for tie in found.children(via):
            child = node.add(self._label(tie), data=tie.entity_id, expand=True, allow_expand=tie.entity_id is not None)
            if tie.entity_id is not None:
                self._grow(child, found, tie.entity_id)

    @staticmethod
    def _label(tie: Tie) -> Text:
        text = Text.assemble((f"{tie.kind} → ", "dim"), cell(tie.name))
        if tie.lists:
            text.append("  ")
            text.append_text(badges(tie.lists))
        if tie.entity_id is None:
            text.append("  (in no record)", style="dim")
        if tie.detail:
            text.append("  ")
            text.append_text(cell(tie.detail[:80], style="dim"))
        return text

    # -- keys ------------------------------------------------------------------------------
    def current_id(self) -> int | None:
        """The entity under the cursor (star, note, tags act on it)."""
        node = self.query_one("#net-tree", Tree).cursor_node
        return node.data if node is not None else None

    @on(Tree.NodeSelected, "#net-tree")
    def recentre(self, event: Tree.NodeSelected) -> None:
        event.stop()
        self.centre_on(event.node.data)

    def centre_on(self, entity_id: int | None) -> None:
        """Make ``entity_id`` the centre (Esc comes back); a name in no record, or the centre itself, stays as it is."""
        if entity_id is None or entity_id == self.trail[-1] or (self.found is not None and entity_id == self.found.centre):
            return
        self.trail.append(entity_id)
        self.load()

    def action_back(self) -> None:
        if len(self.trail) > 1:
            self.trail.pop()
            self.load()
        else:
            self.dismiss()

    def action_open(self) -> None:
        if (entity_id := self.current_id()) is not None:
            self.wl.open_entity(entity_id, "Network")

    def action_stated_only(self) -> None:
        self.shared = not self.shared
        self.notify("All ties: stated relations, shared addresses and contacts" if self.shared else "Stated relations only", markup=False)
        self.load()

    def action_more_hops(self) -> None:
        self.hops = network.MAX_HOPS if self.hops < network.MAX_HOPS else network.HOPS
        self.notify(f"Ties {self.hops} hops out", markup=False)
        self.load()
