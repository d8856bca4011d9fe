"""Review links from shipment parties to entities: confirm or reject the proposed ones."""

from __future__ import annotations

import sqlite_utils
from rich.text import Text

from watchlist.store import links
from watchlist.store.models import Link

from ..actions import bindings
from ..render import cell
from .review import ReviewScreen

_ORDER = {"proposed": 0, "confirmed": 1, "linked": 2, "rejected": 3}


class LinksScreen(ReviewScreen[Link]):
    """Every link with its status; y confirms, n rejects, Enter opens the entity."""

    TABLE = "links"
    COLUMNS = (("Status", 9), ("Score", 5), ("Party in the shipments", 40), ("Entity", 44), ("Shipments", 9))
    ORIGIN = "Links"
    BINDINGS = bindings("Links")

    def fetch(self, db: sqlite_utils.Database) -> list[Link]:
        return sorted(links.listing(db), key=lambda r: (_ORDER[r.status], -r.score))

    def cells(self, r: Link) -> list[Text]:
        return [
            cell(r.status, "bold" if r.status == "proposed" else ""),
            cell(f"{r.score:.0f}"),
            cell(r.party_name),
            cell(r.entity_name),
            cell(r.shipments),
        ]

    def heading(self) -> str:
        pending = sum(r.status == "proposed" for r in self.rows)
        return f"{len(self.rows)} links, {pending} to review · y confirm · n reject · Enter open the entity" + (
            "" if self.rows else " · none yet: import shipments, then run watchlist links propose"
        )

    def save_decision(self, db: sqlite_utils.Database, row: Link, decision: str) -> None:
        links.decide(db, row.id, decision)

    def entity_of(self, row: Link) -> int:
        return row.entity_id
