"""Review "possibly the same" candidates: records on different lists that may be one entity."""

from __future__ import annotations

import sqlite_utils
from rich.text import Text

from watchlist.store import resolve
from watchlist.store.models import Candidate

from ..actions import bindings
from ..render import badges, cell
from .review import ReviewScreen


class ResolveScreen(ReviewScreen[Candidate]):
    """Candidates, strongest first; y says same entity, n says different, Enter opens the first record."""

    TABLE = "candidates"
    COLUMNS = (("Score", 5), ("Record", 40), ("Lists", 10), ("Possibly the same as", 40), ("Lists ", 10), ("Why", 44))
    ORIGIN = "Same entity?"
    REINDEX = True
    BINDINGS = bindings("Same entity?")

    def fetch(self, db: sqlite_utils.Database) -> list[Candidate]:
        return resolve.candidates(db)

    def cells(self, r: Candidate) -> list[Text]:
        return [
            cell(f"{r.score:.0f}"),
            cell(f"{r.a_name} ({r.a_countries or '?'})"),
            badges((r.a_lists or "").split()),
            cell(f"{r.b_name} ({r.b_countries or '?'})"),
            badges((r.b_lists or "").split()),
            cell(r.reason),
        ]

    def heading(self) -> str:
        return (
            f"{len(self.rows)} pairs of records that may be one entity · y same · n different · Enter open · "
            "decisions are kept across re-imports and rebuilds"
        )

    def save_decision(self, db: sqlite_utils.Database, row: Candidate, decision: str) -> None:
        resolve.decide(db, row.a_key, row.b_key, decision)

    def entity_of(self, row: Candidate) -> int:
        return row.a_id
