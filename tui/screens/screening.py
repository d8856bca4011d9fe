"""Triage of screening runs: pick a run, walk its rows, mark each match / no match / review with a note."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from rich.text import Text
from textual import on, work
from textual.widgets import DataTable

from watchlist.store import screening
from watchlist.store.models import ScreeningRow, ScreeningRun

from ..actions import bindings
from ..render import badges, cell
from ..workers import thread_db, thread_writer
from .dialogs import NoteScreen
from .review import ReviewScreen


class RunsScreen(ReviewScreen[ScreeningRun]):
    """Screening runs, newest first; Enter opens one for triage."""

    TABLE = "runs"
    COLUMNS = (("Run", 4), ("Screened", 19), ("By", 10), ("File", 44), ("Rows", 6), ("Potential", 9), ("Decided", 7), ("Against", 40))
    ORIGIN = "Screening"
    BINDINGS = bindings("Screening runs")

    def fetch(self, db: sqlite_utils.Database) -> list[ScreeningRun]:
        return screening.runs(db)

    def cells(self, r: ScreeningRun) -> list[Text]:
        against = ", ".join(f"{k} {v}" for k, v in sorted(r.snapshot.items()))
        return [
            cell(r.id),
            cell(r.started),
            cell(r.user),
            cell(r.file),
            cell(r.rows),
            cell(r.summary["potential_matches"]),
            cell(r.decided),
            cell(against),
        ]

    def heading(self) -> str:
        return (
            f"{len(self.rows)} screening runs · Enter triage a run"
            if self.rows
            else "No screening runs yet: watchlist screen FILE screens a file of counterparties"
        )

    def entity_of(self, row: ScreeningRun) -> int:
        return 0

    @on(DataTable.RowSelected)
    def open_entity(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if (row := self.current_row()) is not None:
            self.app.push_screen(RunScreen(row.id, row.file))

    def current_id(self) -> int | None:
        return None  # app-wide actions (star, note) have no entity here


class RunScreen(ReviewScreen[ScreeningRow]):
    """One run's rows, potential matches first: m match, x no match, v review, o note, Enter open the match, e audit."""

    TABLE = "run-rows"
    # What a decision needs first (status, score, lists, the decision): at 80 columns they stay in view
    COLUMNS = (
        ("Line", 5),
        ("Counterparty", 24),
        ("Status", 15),
        ("Score", 5),
        ("Lists", 10),
        ("Decision", 9),
        ("Best match", 34),
        ("Ctry", 4),
        ("Note", 30),
    )
    ORIGIN = "Screening"
    BINDINGS = bindings("Screening run")

    def __init__(self, run_id: int, file: str) -> None:
        super().__init__()
        self.run_id = run_id
        self.file = file

    def fetch(self, db: sqlite_utils.Database) -> list[ScreeningRow]:
        return screening.run_rows(db, self.run_id)

    def cells(self, r: ScreeningRow) -> list[Text]:
        best = r.best
        return [
            cell(r.line),
            cell(r.name),
            cell(r.status, "bold" if r.status == "potential match" else ""),
            cell(f"{r.score:.0f}" if r.score else ""),
            badges((r.lists or "").split()),
            cell(r.decision, "bold"),
            cell(best.get("name")),
            cell(r.country),
            cell((r.note or "").splitlines()[0] if r.note else ""),
        ]

    def heading(self) -> str:
        pending = sum(r.status == "potential match" and not r.decision for r in self.rows)
        return (
            f"Run {self.run_id}: {Path(self.file).name} · {len(self.rows)} rows, {pending} potential matches to decide · "
            "m match · x no match · v review · o note · Enter open · e audit record"
        )

    def save_decision(self, db: sqlite_utils.Database, row: ScreeningRow, decision: str) -> None:
        screening.decide(db, self.run_id, row.line, decision)  # the row keeps its note

    def entity_of(self, row: ScreeningRow) -> int:
        return row.best.get("entity_id", 0)

    def landing(self, rows: list[ScreeningRow], cursor: int, decided: bool) -> int:
        """After a decision: the next potential match nobody has decided (so m, m, m goes down the list), else stay."""
        if not decided:
            return cursor
        pending = [i for i, r in enumerate(rows) if r.status == "potential match" and not r.decision]
        return next((i for i in pending if i > cursor), pending[0] if pending else cursor)

    def current_id(self) -> int | None:
        row = self.current_row()
        return self.entity_of(row) or None if row is not None else None

    def action_note(self) -> None:
        if self.wl.can_write() and (row := self.current_row()) is not None:
            self.edit_note(row)

    @work(group="dialog-screening-note")
    async def edit_note(self, row: ScreeningRow) -> None:
        text = await self.app.push_screen_wait(NoteScreen(f"line {row.line}: {row.name}", row.note or ""))
        if text is not None:
            self.save_note(row, text)

    @work(thread=True, group="user")
    def save_note(self, row: ScreeningRow, text: str) -> None:
        screening.decide(thread_writer(self.wl.db_path), self.run_id, row.line, row.decision or "review", text)
        self.load()

    def audit(self, fmt: str) -> str:
        """The run's audit record (read on the caller's thread connection)."""
        return screening.audit_text(screening.audit(thread_db(self.wl.db_path), self.run_id), fmt)
