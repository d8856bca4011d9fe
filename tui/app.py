"""The explorer app: builds the search index in a worker, owns the app-wide keys and the palette.

Screens (``tui/screens/``): search (the default), entity (with its trail), goods, watchlist, What's new,
the review tables (same entity?, links, screening runs and rows) and the dialogs; keys come from ``actions.py``.
SQLite and matching run in thread workers with per-thread read-only
connections (``workers.py``); workers post messages and the handlers own the widgets.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from textual import work
from textual.app import App
from textual.message import Message

from watchlist.store import StoreError, export, queries, userdata
from watchlist.store.db import explain, generation, set_wait
from watchlist.store.index_file import confirmed, open_index, same_code
from watchlist.store.models import Entity
from watchlist.store.normalize import analyze
from watchlist.store.search import SearchIndex
from watchlist.store.vocabulary import USER_ALIAS_KIND

from .actions import bindings
from .commands import WatchlistCommands
from .render import plain
from .screens.base import NARROW
from .screens.changes import ChangesScreen
from .screens.dialogs import AliasScreen, ExportScreen, HelpScreen, NoteScreen, TagsScreen
from .screens.entity import EntityScreen
from .screens.goods import GoodsScreen, load_nomenclature
from .screens.links import LinksScreen
from .screens.network import NetworkScreen
from .screens.resolve import ResolveScreen
from .screens.screening import RunScreen, RunsScreen
from .screens.search import SearchScreen
from .screens.watchlist import WatchlistScreen
from .workers import thread_db, thread_writer

STORE_POLL_S = 1.0  # how often the app looks for writes made by another process (one small read)
# the warm-up (the goods browser's HS tree, the pinyin dictionary) waits this long after the index is ready, so the
# first results do not share the interpreter with it (bench/startup.py: 0.46-0.6 s to them, 0.65-1.1 s with it at once)
WARM_UP_AFTER_S = 1.0


class IndexReady(Message):
    """The search index is built."""

    def __init__(self, index: SearchIndex) -> None:
        super().__init__()
        self.index = index


class Done(Message):
    """A background action finished: say so, and refresh what shows it."""

    def __init__(self, text: str, refresh: bool = False, severity: str = "information") -> None:
        super().__init__()
        self.text = text
        self.refresh = refresh
        self.severity = severity


class WatchlistApp(App):
    """Search every name and alias; drill into entities, goods and your watchlist."""

    TITLE = "watchlist"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {WatchlistCommands}
    BINDINGS = bindings("Everywhere")
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW, "-wide")]  # each screen gets the class of its width (app.tcss)

    def __init__(self, db_path: Path, export_dir: Path | None = None, readonly: bool = False) -> None:
        super().__init__()
        self.db_path = db_path
        self.readonly = readonly
        self.export_dir = export_dir or Path(os.environ.get("WATCHLIST_EXPORT_DIR", "."))
        self.index: SearchIndex | None = None
        self.hs_cache: tuple[list[dict], dict[str, list[dict]]] | None = None  # the goods browser's HS tree, read once

    def get_default_screen(self) -> SearchScreen:
        return SearchScreen()

    def on_mount(self) -> None:
        if self.readonly:
            self.sub_title = "read-only store: browsing only"
        set_wait(report=self._say_waiting)
        self._indexing = self._index_again = False
        self.reindex(starting=True)
        self._generation: tuple[int, int] | None = None
        self._writing = threading.Lock()  # held by a write of ours (see own_write) and by the poll's look at the store
        self.set_interval(STORE_POLL_S, self.watch_store)

    def on_unmount(self) -> None:
        set_wait(report=None)

    def _say_waiting(self, text: str) -> None:
        """A write of ours waits for another process (an import): say so rather than look frozen."""
        try:
            self.call_from_thread(self.notify, text[:1].upper() + text[1:], severity="warning", markup=False)
        except RuntimeError:  # called on the app's own thread
            self.notify(text[:1].upper() + text[1:], severity="warning", markup=False)

    @work(thread=True, exclusive=True, group="poll")
    def watch_store(self) -> None:
        """Notice every write made elsewhere (an import, a decision or a note from the CLI) and refresh what shows it."""
        if not self._writing.acquire(blocking=False):
            return  # a write of ours is under way (see own_write): the next poll looks, once it is noted as ours
        try:
            seen = generation(thread_db(self.db_path).conn)
            before, self._generation = self._generation, seen
        except sqlite3.Error:
            return  # a busy or damaged store shows up where it is read; the poll just tries again
        finally:
            self._writing.release()
        if before is None or seen == before:
            return
        if seen[0] != before[0]:
            self.call_from_thread(self.forget_goods)
            self.call_from_thread(self.notify, "The store changed (an import or a merge elsewhere): search reloaded.", markup=False)
            self.call_from_thread(self.reindex)
        elif self.index is not None:
            self.index.refresh_watchlist(thread_db(self.db_path).conn)
        self.post_message(Done("", refresh=True))  # watchlist, notes, screening runs, What's new

    @work(thread=True, group="index")
    def build_index(self, starting: bool = False) -> None:
        """Load the saved search index, or build it (see :meth:`reindex`: one build at a time).

        ``starting``: the saved index is shown once watchlist's own writes say it is current, and its counts are checked
        after (see ``open_index``): another program's deletions make it rebuilt, the loaded one answering meanwhile; so
        does an index another version of watchlist saved from the store as it is (after an upgrade).
        """
        try:
            conn = thread_db(self.db_path).conn
            index = open_index(conn, check_later=starting)
        except (sqlite3.DatabaseError, StoreError) as exc:  # a store that cannot be read: say why in one line, don't trace
            self.call_from_thread(self.exit, None, 1, explain(self.db_path, exc))
            return
        # loaded with the cycle collector paused, its millions of objects are all young: without this, the collector's
        # next passes (between two keystrokes) would walk them all; frozen, they are left alone, as by the CLI
        gc.freeze()
        self.post_message(IndexReady(index))
        try:
            stale = starting and not confirmed(conn, index)
        except sqlite3.Error:
            stale = False  # read again at the next change the poll sees
        if stale:
            said = (
                "The store was changed by another program: search is being rebuilt."
                if same_code(index)
                else "Search was indexed by another version of watchlist: it is being rebuilt, answering from that index meanwhile."
            )
            self.call_from_thread(self.notify, said, markup=False)
            self.call_from_thread(self.reindex)

    def can_write(self) -> bool:
        """False (and say why) when the store is read-only."""
        if self.readonly:
            self.notify("This store is read-only (the file or its folder cannot be written): browsing only.", severity="warning", markup=False)
        return not self.readonly

    def reindex(self, starting: bool = False) -> None:
        """Build the search index again (after entities were merged or split; ``starting``: see :meth:`build_index`).
        A thread cannot be stopped: while one build runs, asking again makes one more build after it, never two at once."""
        if self._indexing:
            self._index_again = True
            return
        self._indexing = True
        self.build_index(starting)

    @work(thread=True, group="warm-up")
    def warm_up(self) -> None:
        """While the user reads the first results: read the HS tree, so the goods browser opens without waiting for it,
        load the pinyin dictionary, before the first Chinese keystroke, and make the index's typo buckets, before the
        first misspelling (after every new index)."""
        if self.index is not None:
            self.index.warm()
            analyze("保利")
            # what warm() made lives as long as the index (the typo buckets hold every word of it): frozen too, or each
            # of the collector's full passes, between two keystrokes, walks it again (0.3 s at 1M)
            gc.freeze()
        if self.hs_cache is None:
            try:
                load_nomenclature(self)
            except sqlite3.Error:
                pass  # the goods browser reads it again when opened, and says what is wrong there
            else:
                self.call_from_thread(self.prepare_goods)
        analyze("保利")

    def _indexed(self) -> None:
        self._indexing = False
        if self._index_again:
            self._index_again = False
            self.reindex()

    @contextmanager
    def own_write(self, conn: sqlite3.Connection) -> Iterator[None]:
        """Around a write of ours that changes what search finds (a merge, a split, an alias), in a worker thread: the
        poll skips its looks until the store's generation after the write is noted, so it never takes the write for
        another process's (a second index built, and "changed elsewhere" said); then the index is rebuilt. Nothing is
        rebuilt if the write failed."""
        with self._writing:
            yield
            self._generation = generation(conn)
        self.call_from_thread(self.reindex)

    def on_index_ready(self, message: IndexReady) -> None:
        self.index = message.index
        self._indexed()
        self.set_timer(WARM_UP_AFTER_S, self.warm_up)  # the HS tree too when it is not read (first, or after an import elsewhere)
        for screen in self.screen_stack:
            if isinstance(screen, SearchScreen):
                screen.refresh_results()

    # -- navigation ----------------------------------------------------------------------
    def open_entity(self, entity_id: int, origin: str = "Search") -> None:
        """Open an entity; from an entity screen, follow to it (the trail keeps the way back).

        The entity screen is made once and kept (an installed screen, as the goods browser): opening another entity
        shows it again, emptied, instead of building its twelve sections anew. When it is already open below (entity →
        network → o), a second one goes on top."""
        if isinstance(self.screen, EntityScreen):
            self.screen.follow(entity_id)
        elif not self.is_screen_installed("entity"):
            self.install_screen(EntityScreen(entity_id, origin), name="entity")
            self.push_screen("entity")
        elif self.get_screen("entity") in self.screen_stack:
            self.push_screen(EntityScreen(entity_id, origin))
        else:
            cast(EntityScreen, self.get_screen("entity")).start(entity_id, origin)
            self.push_screen("entity")

    def open_goods(self, code: str | None = None) -> None:
        """The goods browser is made once and kept (an installed screen): opening it again only shows it, where it was
        left or at ``code``. Opened again from a supplier found in it, a second one goes on top."""
        if not self.is_screen_installed("goods"):
            self.install_screen(GoodsScreen(code), name="goods")
        elif self.get_screen("goods") in self.screen_stack:
            self.push_screen(GoodsScreen(code))
            return
        elif code:
            cast(GoodsScreen, self.get_screen("goods")).go(code)
        self.push_screen("goods")

    def prepare_goods(self) -> None:
        """Make the goods browser ahead, unseen (mounted, its tree filled and laid out), so the first `g` only shows it.

        Textual mounts an installed screen when it is first pushed: ``_get_screen`` is that step alone (Textual 8.2)."""
        if not self.is_screen_installed("goods"):
            self.install_screen(GoodsScreen(None), name="goods")
        if not (screen := self.get_screen("goods")).is_running:
            self._get_screen(screen)

    def forget_goods(self) -> None:
        """An import may have changed the nomenclature: the kept goods browser is made again at its next opening."""
        self.hs_cache = None
        if self.is_screen_installed("goods") and (screen := self.get_screen("goods")) not in self.screen_stack:
            self.uninstall_screen("goods")
            if screen.is_running:
                screen.remove()  # a kept screen stays mounted under the app until removed

    def action_goods(self) -> None:
        self.open_goods(None)

    def action_network(self) -> None:
        entity_id = getattr(self.screen, "current_id", lambda: None)()
        if entity_id is None:
            self.notify("No entity here: open or highlight one first.", severity="warning", markup=False)
        elif isinstance(self.screen, NetworkScreen):
            self.screen.centre_on(entity_id)
        else:
            self.push_screen(NetworkScreen(entity_id))

    def action_watchlist(self) -> None:
        if not isinstance(self.screen, WatchlistScreen):
            self.push_screen(WatchlistScreen())

    def action_changes(self) -> None:
        if not isinstance(self.screen, ChangesScreen):
            self.push_screen(ChangesScreen())

    def action_resolve(self) -> None:
        if not isinstance(self.screen, ResolveScreen):
            self.push_screen(ResolveScreen())

    def action_screenings(self) -> None:
        if not isinstance(self.screen, RunsScreen):
            self.push_screen(RunsScreen())

    def action_links(self) -> None:
        if not isinstance(self.screen, LinksScreen):
            self.push_screen(LinksScreen())

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_search(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if isinstance(self.screen, SearchScreen):
            self.screen.action_focus_search()

    # -- actions on the current entity ---------------------------------------------------
    def _current(self) -> int | None:
        current = getattr(self.screen, "current_id", None)
        entity_id = current() if current else None
        if entity_id is None:
            self.notify("No entity selected here.", severity="warning", markup=False)
        return entity_id

    def action_star(self) -> None:
        if self.can_write() and (entity_id := self._current()) is not None:
            self.toggle_star(entity_id)

    @work(thread=True, group="user")
    def toggle_star(self, entity_id: int) -> None:
        db = thread_writer(self.db_path)
        record = queries.entity(db, entity_id)
        if record is None:
            return
        starred = userdata.toggle_star(db, record.key)
        if self.index is not None:
            self.index.refresh_watchlist(db.conn)
        self.post_message(Done(("★ Starred " if starred else "Unstarred ") + plain(record.name), refresh=True))

    def action_note(self) -> None:
        if self.can_write() and (entity_id := self._current()) is not None:
            self.edit_note(entity_id)

    @work(group="dialog-note")
    async def edit_note(self, entity_id: int) -> None:
        record = await self._record(entity_id)
        if record is None:
            return
        own = next((n.note for n in record.notes if n.key == record.key), "")
        others = [n for n in record.notes if n.key != record.key]
        text = await self.push_screen_wait(NoteScreen(plain(record.name), own, others))
        if text is not None:
            self.save_note(record.key, plain(record.name), text, own)

    def action_tags(self) -> None:
        if self.can_write() and (entity_id := self._current()) is not None:
            self.edit_tags(entity_id)

    @work(group="dialog-tags")
    async def edit_tags(self, entity_id: int) -> None:
        record = await self._record(entity_id)
        if record is None:
            return
        tags = await self.push_screen_wait(TagsScreen(plain(record.name), record.watchlist.tags if record.watchlist else ""))
        if tags is not None:
            self.save_tags(entity_id, record.key, plain(record.name), tags)

    @work(thread=True, group="user")
    def save_tags(self, entity_id: int, key: str, name: str, tags: str) -> None:
        db = thread_writer(self.db_path)
        userdata.star(db, key, tags)
        if self.index is not None:
            self.index.refresh_watchlist(db.conn)
        self.post_message(Done(f"★ {name}: tags {tags or '(none)'}", refresh=True))

    def action_alias(self) -> None:
        if self.can_write() and (entity_id := self._current()) is not None:
            self.edit_alias(entity_id)

    @work(group="dialog-alias")
    async def edit_alias(self, entity_id: int) -> None:
        record = await self._record(entity_id)
        if record is None:
            return
        yours = [n.name for n in record.names if n.kind == USER_ALIAS_KIND]
        text = await self.push_screen_wait(AliasScreen(plain(record.name), yours))
        if text:
            self.save_alias(record.key, plain(record.name), text)

    @work(thread=True, group="user")
    def save_alias(self, key: str, name: str, text: str) -> None:
        db = thread_writer(self.db_path)
        try:
            with self.own_write(db.conn):
                if text.startswith("-") and text[1:].strip():
                    gone = userdata.remove_alias(db, key, text[1:])
                    said = f"{name}: alias {text[1:].strip()} taken back" if gone else f"{name}: you gave it no alias {text[1:].strip()}"
                else:
                    added = userdata.add_alias(db, key, text)
                    said = f"{name}: also known to search as {added.name}" if added else f"{name} already has that alias"
        except StoreError as exc:
            self.post_message(Done(f"{name}: {exc}", severity="warning"))
            return
        self.post_message(Done(said, refresh=True))

    @work(thread=True, group="user")
    def save_note(self, key: str, name: str, text: str, base: str) -> None:
        saved = userdata.set_note(thread_writer(self.db_path), key, text, base=base)
        if saved.conflict:
            self.post_message(
                Done(f"The note on {name} was changed elsewhere while you edited it: both versions are kept in it.", refresh=True, severity="warning")
            )
            return
        self.post_message(Done(f"Note saved on {name}" if saved.text.strip() else f"Note removed from {name}", refresh=True))

    async def _record(self, entity_id: int) -> Entity | None:
        """The entity's record, read in a thread."""
        return await asyncio.to_thread(lambda: queries.entity(thread_db(self.db_path), entity_id))

    def action_copy_name(self) -> None:
        if (entity_id := self._current()) is not None:
            self.copy_entity(entity_id, summary=False)

    def action_copy_summary(self) -> None:
        if (entity_id := self._current()) is not None:
            self.copy_entity(entity_id, summary=True)

    @work(group="copy")
    async def copy_entity(self, entity_id: int, summary: bool) -> None:
        record = await self._record(entity_id)
        if record is None:
            return
        text = export.summary(record) if summary else record.name
        self.copy_to_clipboard(plain(text))
        self.notify(f"Copied {'a summary of ' if summary else ''}{plain(record.name)}", markup=False)

    @work(group="dialog-export")
    async def action_export(self) -> None:
        screen = self.screen
        if isinstance(screen, RunScreen):  # the audit record, in both formats
            for audit_format in ("csv", "json"):
                text = await asyncio.to_thread(screen.audit, audit_format)
                self.write_export(text, f"screening-run-{screen.run_id}-audit", audit_format)
            return
        if isinstance(screen, SearchScreen):
            query, results = await asyncio.to_thread(screen.export_payload)  # every match of a query: searched in full
            fmt = await self.push_screen_wait(ExportScreen(f"{len(results):,} results"))
            if fmt:
                keys = [k for r in results for k in r["records"]]
                sources = await asyncio.to_thread(lambda: queries.result_sources(thread_db(self.db_path), keys))
                self.write_export(export.results_text(results, fmt, query, sources), f"search-{query or 'all'}", fmt)
            return
        if isinstance(screen, NetworkScreen) and screen.found is not None:
            found = screen.found
            fmt = await self.push_screen_wait(ExportScreen(f"the network of {plain(found.name)} ({len(found.ties)} ties)"))
            if fmt:
                self.write_export(export.network_text(found, fmt), f"network-{found.name}", fmt)
            return
        entity_id = getattr(screen, "current_id", lambda: None)()
        if entity_id is None:
            self.notify("Nothing to export here.", severity="warning", markup=False)
            return
        record = await self._record(entity_id)
        if record is None:
            return
        fmt = await self.push_screen_wait(ExportScreen(f"the dossier of {plain(record.name)}"))
        if fmt:
            self.write_export(export.dossier_text(record, fmt), record.name, fmt)

    @work(thread=True, group="export-write")
    def write_export(self, text: str, stem: str, fmt: str) -> None:
        try:
            path = export.write(text, self.export_dir, stem, fmt)
        except OSError as exc:
            self.post_message(Done(f"Export failed: {exc}", severity="error"))
            return
        self.post_message(Done(f"Exported to {path.resolve()}"))

    def on_done(self, message: Done) -> None:
        if message.text:
            self.notify(message.text, severity=message.severity, markup=False)  # type: ignore[arg-type]
        if message.refresh:
            for screen in self.screen_stack:
                refresh = getattr(screen, "reload", None) or getattr(screen, "refresh_results", None)
                if refresh is not None:
                    refresh()
