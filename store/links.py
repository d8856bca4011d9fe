"""Links from shipment parties to entities: exact matches link, fuzzy ones are proposed for review.

A party is a (folded name, country) pair seen as exporter or importer in ``shipments``. An exact
match of the folded name on any name of an entity in the same country (or with no country on
either side; CN, HK and MO count as one place, since BIS files Hong Kong under CN) links
directly. Otherwise the search engine's best hit at or above ``threshold`` in an agreeing country
is *proposed*; the user confirms or rejects it, and that decision (``user_link_decisions``, keyed
by party and entity key) survives re-imports and rebuilds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import sqlite_utils

from .countries import same_place
from .db import now, rows, transaction, user
from .index_file import open_index
from .models import Link, Shipments, of_row
from .normalize import analyze
from .search import SearchIndex

THRESHOLD = 90.0

# One rule for a link's status, used by every query: the user's decision, else linked (exact) or
# proposed (fuzzy). Shipments count for an entity through linked and confirmed links only.
# Both expressions need ``party_links l`` and ``LEFT JOIN user_link_decisions d`` (WITH_DECISIONS joins them).
STATUS = "coalesce(d.decision, CASE l.method WHEN 'exact' THEN 'linked' ELSE 'proposed' END)"
ACCEPTED = f"{STATUS} IN ('linked', 'confirmed')"
WITH_DECISIONS = "JOIN entities e ON e.id = l.entity_id LEFT JOIN user_link_decisions d ON d.party_key = l.party_key AND d.entity_key = e.key"


def propose(
    db: sqlite_utils.Database, threshold: float = THRESHOLD, index: SearchIndex | None = None, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Link or propose every party not yet looked at; return counts (parties, exact, proposed)."""
    conn = db.conn
    parties: dict[str, str] = {}
    for key, name in conn.execute(
        "SELECT exporter_key, min(exporter) FROM shipments GROUP BY exporter_key UNION ALL "
        "SELECT importer_key, min(importer) FROM shipments WHERE importer_key IS NOT NULL GROUP BY importer_key"
    ):
        parties.setdefault(key, name)
    done = {k for (k,) in conn.execute("SELECT party_key FROM party_seen")}
    todo = [(k, n) for k, n in parties.items() if k not in done]
    by_name: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for eid, latn, countries in conn.execute("SELECT n.entity_id, n.latn, e.countries FROM names n JOIN entities e ON e.id = n.entity_id"):
        by_name[latn].append((eid, countries))
    index = index or open_index(conn)  # the saved one when current; else built, and saved for the next command
    exact = proposed = 0
    links: list[tuple] = []
    for i, (key, name) in enumerate(todo):
        country = key.rpartition("|")[2]  # the key's name part is frozen (key_name); names.latn follows analyze()
        hits = {eid for eid, cs in by_name.get(analyze(name).latn, ()) if same_place([country], cs.split(","))}
        if hits:
            links += [(key, name, eid, "exact", 100.0) for eid in sorted(hits)]
            exact += 1
        else:
            result = index.search(name + " ", limit=5, min_score=threshold)
            near = [h for h in (result.hits if result else []) if same_place([country], h.countries)]
            if near:
                links.append((key, name, near[0].entity_id, "fuzzy", round(near[0].score, 1)))
                proposed += 1
        if progress and i % 1000 == 0:
            progress(i, len(todo))
    with transaction(conn):
        conn.executemany("INSERT OR IGNORE INTO party_links (party_key, party_name, entity_id, method, score) VALUES (?,?,?,?,?)", links)
        conn.executemany("INSERT OR IGNORE INTO party_seen (party_key) VALUES (?)", [(k,) for k, _ in todo])
    return {"parties": len(todo), "exact": exact, "proposed": proposed}


def listing(db: sqlite_utils.Database, status: str | None = None) -> list[Link]:
    """Links with their status: linked (exact), proposed, confirmed or rejected; with shipment counts."""
    where, params = (f"WHERE {STATUS} = ?", (status,)) if status else ("", ())
    found = rows(
        db.conn,
        "SELECT l.id, l.party_key, l.party_name, l.entity_id, e.key AS entity_key, e.name AS entity_name,"
        f" l.method, l.score, {STATUS} AS status,"
        " (SELECT count(*) FROM shipments s WHERE s.exporter_key = l.party_key"
        "  OR s.importer_key = l.party_key) AS shipments"
        f" FROM party_links l {WITH_DECISIONS} {where} ORDER BY l.method DESC, l.score DESC, l.id",
        params,
    )
    return [of_row(Link, r) for r in found]


def decide(db: sqlite_utils.Database, link_id: int, decision: str) -> Link | None:
    """Confirm or reject a link (the decision is the user's and outlives rebuilds)."""
    if decision not in ("confirmed", "rejected"):
        raise ValueError(decision)
    row = db.conn.execute("SELECT l.party_key, e.key FROM party_links l JOIN entities e ON e.id = l.entity_id WHERE l.id = ?", (link_id,)).fetchone()
    if row is None:
        return None
    with transaction(db.conn) as conn:
        conn.execute(
            "INSERT INTO user_link_events (party_key, entity_key, decision, decided_at, user) VALUES (?,?,?,?,?)",
            (row[0], row[1], decision, now(), user()),
        )
    return next((r for r in listing(db) if r.id == link_id), None)


def shipments_of(db: sqlite_utils.Database, entity_id: int) -> Shipments:
    """An entity's shipments through its linked or confirmed parties: by HS code and by counterparty, with totals."""
    keys = [k for (k,) in db.conn.execute(f"SELECT l.party_key FROM party_links l {WITH_DECISIONS} WHERE l.entity_id = ? AND {ACCEPTED}", (entity_id,))]
    if not keys:
        return Shipments(0, 0.0, (), ())
    marks = ",".join("?" * len(keys))
    where = f"(exporter_key IN ({marks}) OR importer_key IN ({marks}))"
    params = (*keys, *keys)
    by_hs = rows(
        db.conn,
        f"SELECT s.hs_code, h.description, c.tier AS chpl_tier, count(*) AS shipments, sum(s.value) AS value,"
        f" sum(s.weight_kg) AS weight_kg, min(s.date) AS first, max(s.date) AS last FROM shipments s"
        f" LEFT JOIN hs_codes h ON h.code = s.hs_code LEFT JOIN chpl c ON c.hs6 = s.hs_code"
        f" WHERE {where} GROUP BY s.hs_code ORDER BY value DESC",
        params,
    )
    by_party = rows(
        db.conn,
        f"SELECT CASE WHEN exporter_key IN ({marks}) THEN importer ELSE exporter END AS counterparty,"
        f" CASE WHEN exporter_key IN ({marks}) THEN importer_country ELSE exporter_country END AS country,"
        f" count(*) AS shipments, sum(value) AS value FROM shipments WHERE {where}"
        f" GROUP BY 1, 2 ORDER BY value DESC LIMIT 100",
        (*keys, *keys, *params),
    )
    return Shipments(sum(r["shipments"] for r in by_hs), sum(r["value"] or 0 for r in by_hs), tuple(by_hs), tuple(by_party))
