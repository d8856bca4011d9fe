"""A review screen: a table of proposals decided one by one with y / n; Enter opens the row's entity."""

from __future__ import annotations

import contextlib
from typing import Generic, TypeVar

import sqlite_utils
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Static

from ..footer import KeyFooter
from ..header import Header
from ..table import Table
from ..workers import post_if_current, thread_db, thread_writer
from .base import AppScreen

R = TypeVar("R")  # a row: a candidate, a proposed link, a screening run or row


class ReviewScreen(AppScreen, Generic[R]):
    """Subclasses say what the rows are (``fetch``, ``cells``), how a decision is saved and what Enter opens."""

    TABLE = "review"  # widget id of the table (the title is "<TABLE>-title")
    COLUMNS: tuple[tuple[str, int], ...] = ()
    ORIGIN = "Review"  # shown first in the entity screen's breadcrumb
    REINDEX = False  # decisions change the search index (entities merged or split)

    class Loaded(Message):
        def __init__(self, rows: list) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[R] = []
        self.decided = False  # the next reload follows a decision (the cursor may move on)

    # -- what subclasses fill in -----------------------------------------------------------
    def fetch(self, db: sqlite_utils.Database) -> list[R]:
        raise NotImplementedError

    def cells(self, row: R) -> list[Text]:
        raise NotImplementedError

    def heading(self) -> str:
        raise NotImplementedError

    def save_decision(self, db: sqlite_utils.Database, row: R, decision: str) -> None:
        raise NotImplementedError

    def entity_of(self, row: R) -> int:
        raise NotImplementedError

    def landing(self, rows: list[R], cursor: int, decided: bool) -> int:
        """Where the cursor goes after the rows are read again (``decided``: the user just decided the row at ``cursor``)."""
        return cursor

    # -- the shared machinery -------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(""), id=f"{self.TABLE}-title", classes="review-title")
        table: Table = Table(id=self.TABLE, cursor_type="row", zebra_stripes=True)
        for label, width in self.COLUMNS:
            table.add_column(label, width=width)
        yield table
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load()

    def reload(self) -> None:
        """Read the rows again (after a write here or in another process)."""
        self.load()

    @work(thread=True, exclusive=True, group="review")
    def load(self) -> None:
        post_if_current(self, self.Loaded(self.fetch(thread_db(self.wl.db_path))))

    def on_review_screen_loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        table = self.query_one(f"#{self.TABLE}", DataTable)
        row = table.cursor_row
        decided, self.decided = self.decided, False
        table.clear()
        for i, r in enumerate(self.rows):
            table.add_row(*self.cells(r), key=str(i))
        if self.rows:
            table.move_cursor(row=min(self.landing(self.rows, row, decided), len(self.rows) - 1))
        self.query_one(f"#{self.TABLE}-title", Static).update(Text(self.heading()))
        table.focus()

    def action_decide(self, decision: str) -> None:
        if self.wl.can_write() and (row := self.current_row()) is not None:
            self.decided = True  # the reload that shows it may move the cursor on (see landing)
            self.save(row, decision)

    @work(thread=True, group="user")
    def save(self, row: R, decision: str) -> None:
        db = thread_writer(self.wl.db_path)
        with self.wl.own_write(db.conn) if self.REINDEX else contextlib.nullcontext():
            self.save_decision(db, row, decision)
        self.load()

    @on(DataTable.RowSelected)
    def open_entity(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if (entity_id := self.current_id()) is not None:
            self.wl.open_entity(entity_id, self.ORIGIN)

    def action_back(self) -> None:
        self.dismiss()

    def current_row(self) -> R | None:
        if not self.rows:
            return None
        return self.rows[min(self.query_one(f"#{self.TABLE}", DataTable).cursor_row, len(self.rows) - 1)]

    def current_id(self) -> int | None:
        row = self.current_row()
        return self.entity_of(row) if row is not None else None
