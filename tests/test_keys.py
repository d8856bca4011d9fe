"""The action registry is the one source of keys: every screen's bindings, the palette, the help and the README agree."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding

from watchlist.tui import actions
from watchlist.tui.app import WatchlistApp
from watchlist.tui.commands import WatchlistCommands
from watchlist.tui.keys import END, START, markdown
from watchlist.tui.screens.changes import ChangesScreen
from watchlist.tui.screens.dialogs import AliasScreen, ExportScreen, HelpScreen, NoteScreen, TagsScreen
from watchlist.tui.screens.entity import PANES, TABLES, EntityScreen
from watchlist.tui.screens.goods import GoodsScreen
from watchlist.tui.screens.links import LinksScreen
from watchlist.tui.screens.network import NetworkScreen
from watchlist.tui.screens.resolve import ResolveScreen
from watchlist.tui.screens.screening import RunScreen, RunsScreen
from watchlist.tui.screens.search import SearchScreen
from watchlist.tui.screens.watchlist import WatchlistScreen

README = Path(__file__).resolve().parent.parent / "README.md"
SCREENS = {
    "Everywhere": WatchlistApp,
    "Search": SearchScreen,
    "Entity": EntityScreen,
    "Goods": GoodsScreen,
    "Watchlist": WatchlistScreen,
    "Network": NetworkScreen,
    "What's new": ChangesScreen,
    "Same entity?": ResolveScreen,
    "Screening runs": RunsScreen,
    "Screening run": RunScreen,
    "Links": LinksScreen,
    "Note editor": NoteScreen,
    "Tags": TagsScreen,
    "Alias": AliasScreen,
    "Export": ExportScreen,
    "Help": HelpScreen,
}


def test_the_readme_key_table_is_the_registry():
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text
    assert text.split(START, 1)[1].split(END, 1)[0].strip() == markdown().strip(), "run: python -m watchlist.tui.keys --write"


def test_every_registered_action_exists_on_its_screen_and_is_bound():
    assert set(SCREENS) == {a.where for a in actions.ACTIONS}
    for where, cls in SCREENS.items():
        assert actions.bindings(where) == cls.BINDINGS
        for binding in cls.BINDINGS:
            assert isinstance(binding, Binding)
            name = binding.action.split("(", 1)[0]
            assert hasattr(cls, f"action_{name}") or name in ("focus_next",), f"{where}: no action_{name} on {cls.__name__}"


def test_a_key_means_one_thing_on_a_screen():
    for where in SCREENS:
        keys = [k.strip() for b in actions.bindings(where) for k in b.key.split(",")]  # type: ignore[union-attr]
        assert len(keys) == len(set(keys)), where


def test_the_palette_offers_the_app_wide_actions_by_title():
    titles = [a.palette for a in actions.palette()]
    assert len(titles) == len(set(titles)) and {"Goods browser", "Watchlist", "What's new", "Export", "Help", "Quit"} <= set(titles)
    assert all(a.where == "Everywhere" and hasattr(WatchlistApp, f"action_{a.action}") for a in actions.palette())
    assert WatchlistCommands is not None  # the provider reads actions.palette()


def test_the_entity_sections_are_the_registry_sections():
    assert [pane for pane, _ in actions.SECTIONS] == PANES
    assert [t[0] for t in TABLES] == PANES[1:-1] and [t[1] for t in TABLES] == [title for _, title in actions.SECTIONS[1:-1]]
