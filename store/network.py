"""An entity's neighbourhood: who it is tied to, and who they are tied to, a few hops out.

Ties are what the entity screen's Relations section shows, followed from each entity reached: relations the lists
state ("Linked To", FollowTheMoney ownership, family, directorship), both ways, and ties derived from the data (the
same street address, website, e-mail or phone). Each entity is a resolved group and is reached once, by the shortest
way (breadth first); a name a list links to that is in no record is a tie that goes no further.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from .queries import active_lists, related
from .resolve import group_of, members

HOPS = 2  # how far out by default
MAX_HOPS = 3
LIMIT = 300  # ties at most: a shared registered-agent address can tie hundreds of firms


@dataclass(frozen=True, slots=True)
class Tie:
    """One entity reached, and how: ``kind`` as seen from ``via`` ("owner of" X, "same address as" X)."""

    entity_id: int | None  # the entity reached (its group); None for a name a list links to that no record holds
    name: str
    lists: tuple[str, ...]  # its active list codes
    kind: str
    detail: str | None  # the address shared, the share held, the name as the list writes it
    via: int  # the entity it was reached from
    hops: int  # 1: tied to the centre itself


@dataclass(frozen=True, slots=True)
class Network:
    """The neighbourhood of one entity, breadth first."""

    centre: int
    name: str
    lists: tuple[str, ...]
    hops: int
    ties: tuple[Tie, ...]
    truncated: bool  # the LIMIT was reached: some ties are left out
    shared: bool = True  # False: only the relations the lists state were followed

    def children(self, entity_id: int) -> list[Tie]:
        """The ties reached from ``entity_id``."""
        return [t for t in self.ties if t.via == entity_id]


def neighbourhood(db: sqlite_utils.Database, entity_id: int, hops: int = HOPS, limit: int = LIMIT, shared: bool = True) -> Network | None:
    """The ties of ``entity_id`` (any record of it: its whole entity) up to ``hops`` (1 … MAX_HOPS) out; None if no such
    entity. ``shared=False`` follows only the relations the lists state: a registered agent's address, shared by
    hundreds of firms, no longer fills the view."""
    conn = db.conn
    hops = max(1, min(hops, MAX_HOPS))
    centre = group_of(conn, entity_id)
    head = conn.execute("SELECT name FROM entities WHERE id = ?", (centre,)).fetchone()
    if head is None:
        return None
    seen, frontier, ties, truncated = {centre}, [centre], list[Tie](), False
    names = {centre: head[0]}
    for depth in range(1, hops + 1):
        reached: list[int] = []
        for via in frontier:
            if truncated:
                break  # the cap is reached: no more queries
            for rel in related(conn, members(conn, via), derived=shared):
                if rel.entity_id in seen:
                    continue
                if len(ties) >= limit:
                    truncated = True
                    break
                name = rel.entity_name or rel.detail or "?"
                if rel.entity_id is not None:
                    seen.add(rel.entity_id)
                    reached.append(rel.entity_id)
                    names[rel.entity_id] = name
                # a stated link's detail is the other party's name as the list writes it: shown only when it says more
                said = rel.detail if rel.detail and rel.detail.casefold() not in (name.casefold(), names[via].casefold()) else None
                ties.append(Tie(rel.entity_id, name, rel.lists, rel.kind, said, via, depth))
        frontier = reached
    return Network(centre, head[0], tuple(active_lists(conn, centre)), hops, tuple(ties), truncated, shared)
