"""Read-side queries: store statistics and the full record of one entity."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, TypeVar

import sqlite_utils

from .changes import changes
from .db import IN_JSON, as_json, rows
from .links import shipments_of
from .models import (
    TRADE_COLUMNS,
    Address,
    Entity,
    Fact,
    Good,
    Identifier,
    Listing,
    Name,
    Neighbour,
    Note,
    Record,
    Related,
    Source,
    Star,
    TradeFlow,
    of_row,
)
from .resolve import candidates, group_of, members
from .vocabulary import STREET_LEVEL, USER_ALIAS_KIND, USER_ALIAS_LIST

T = TypeVar("T")


def stats(db: sqlite_utils.Database) -> dict[str, Any]:
    """Counts of everything in the store, by list and by import."""
    conn = db.conn
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    by_list: dict[str, dict[str, int]] = {}
    for code, status, n in conn.execute("SELECT list, status, count(*) FROM listings GROUP BY 1, 2 ORDER BY 1"):
        by_list.setdefault(code, {"active": 0, "removed": 0})[status] = n
    return {
        "entities": one("SELECT count(*) FROM entities"),
        "entities_by_kind": dict(conn.execute("SELECT kind, count(*) FROM entities GROUP BY 1 ORDER BY 2 DESC")),
        "names": one("SELECT count(*) FROM (SELECT DISTINCT entity_id, name FROM names)"),
        "addresses": one("SELECT count(*) FROM (SELECT DISTINCT entity_id, address FROM addresses)"),
        "identifiers": one("SELECT count(*) FROM identifiers"),
        "listings": one("SELECT count(*) FROM listings"),
        "listings_by_list": by_list,
        "relations": one("SELECT count(*) FROM relations"),
        "hs_codes": dict(conn.execute("SELECT level, count(*) FROM hs_codes GROUP BY 1 ORDER BY 1")),
        "hs_sections": one("SELECT count(*) FROM hs_sections"),
        "chpl_codes": one("SELECT count(*) FROM chpl"),
        "chpl_by_tier": dict(conn.execute("SELECT tier, count(*) FROM chpl GROUP BY 1 ORDER BY 1")),
        "entity_goods": one("SELECT count(*) FROM entity_goods"),
        "trade_flows": one("SELECT count(*) FROM trade_flows"),
        "watchlist": one("SELECT count(*) FROM user_watchlist"),
        "imports": rows(
            conn, "SELECT id, file, format, as_of, status, rows_read AS rows, added, updated AS changed, removed, rejected FROM imports ORDER BY id"
        ),
    }


def entity_id_for(db: sqlite_utils.Database, ref: str) -> int | None:
    """Resolve an entity reference: numeric id or stable key ("ofac:38641")."""
    conn = db.conn
    if ref.isascii() and ref.isdigit():
        if len(ref) > 18:  # beyond SQLite's integers: no such id
            return None
        row = conn.execute("SELECT id FROM entities WHERE id = ?", (int(ref),)).fetchone()
    else:
        row = conn.execute("SELECT id FROM entities WHERE key = ?", (ref,)).fetchone()
    return row[0] if row else None


def entity(db: sqlite_utils.Database, entity_id: int) -> Entity | None:
    """Everything known about one entity, each fact with its source and list.

    An entity is a resolved group of list records (see :mod:`store.resolve`): asked for any record,
    this returns the whole group, known by its first record's id, key and name.
    """
    conn = db.conn
    gid = group_of(conn, entity_id)
    found = rows(conn, "SELECT id, key, kind, name, ownership, first_seen, last_seen FROM entities WHERE id = ?", (gid,))
    if not found:
        return None
    head = found[0]
    ids = members(conn, gid)
    of = f"IN ({','.join('?' * len(ids))})"
    records = tuple(
        of_row(
            Record,
            r,
            reason=r["reason"] or ("this record" if len(ids) > 1 else ""),
            countries=tuple(c for c in r["countries"].split(",") if c),
        )
        for r in rows(
            conn,
            "SELECT e.id, e.key, e.name, e.kind, e.countries, e.remarks, r.reason,"
            " (SELECT group_concat(l.list || ':' || l.status, ' ') FROM listings l WHERE l.entity_id = e.id) AS lists"
            f" FROM entities e LEFT JOIN resolution r ON r.entity_id = e.id WHERE e.id {of} ORDER BY e.id",
            tuple(ids),
        )
    )
    kind = head["kind"] if head["kind"] != "other" else next((r.kind for r in records if r.kind != "other"), "other")
    seen = conn.execute(f"SELECT min(first_seen), max(last_seen) FROM entities WHERE id {of}", tuple(ids)).fetchone()
    names: dict[tuple[str, str | None], Name] = {}
    for n in rows(
        conn,
        "SELECT n.name, n.kind, n.origin AS list, s.name AS source FROM names n"
        f" LEFT JOIN sources s ON s.id = n.source_id WHERE n.entity_id {of}"
        " ORDER BY n.entity_id != ?, n.kind != 'primary', n.id",
        (*ids, gid),
    ):
        names.setdefault((n["name"], n["list"]), of_row(Name, n))
    for (name,) in conn.execute(f"SELECT a.name FROM user_aliases a JOIN entities e ON e.key = a.entity_key WHERE e.id {of} ORDER BY a.id", tuple(ids)):
        names.setdefault((name, USER_ALIAS_LIST), Name(name, USER_ALIAS_KIND, USER_ALIAS_LIST, None))
    addresses = tuple(
        of_row(
            Address,
            a,
            others=_neighbours(
                conn,
                "SELECT DISTINCT a2.entity_id FROM addresses a JOIN addresses a2"
                " ON a2.norm = a.norm WHERE a.entity_id = ? AND a.address = ? AND " + STREET_LEVEL,
                (a["record_id"], a["address"]),
                ids,
            ),
        )
        for a in rows(
            conn,
            "SELECT a.address, a.country, a.origin AS list, s.name AS source, a.entity_id AS record_id,"
            " (SELECT count(DISTINCT a2.entity_id) FROM addresses a2 WHERE a2.norm = a.norm"
            f"  AND a2.entity_id NOT {of} AND " + STREET_LEVEL + ") AS shared_with"
            " FROM addresses a LEFT JOIN sources s ON s.id = a.source_id"
            f" WHERE a.entity_id {of} ORDER BY a.id",
            (*ids, *ids),
        )
    )
    goods = _all(
        Good,
        conn,
        "SELECT g.hs_code, h.description, c.tier AS chpl_tier, g.goods, g.evidence, g.period,"
        " s.name AS source FROM entity_goods g LEFT JOIN hs_codes h ON h.code = g.hs_code"
        " LEFT JOIN chpl c ON c.hs6 = g.hs_code OR c.hs6 LIKE g.hs_code || '%'"
        f" LEFT JOIN sources s ON s.id = g.source_id WHERE g.entity_id {of}"
        " GROUP BY g.hs_code, g.goods, g.evidence ORDER BY g.hs_code",
        tuple(ids),
    )
    codes = sorted({g.hs_code for g in goods})
    keys = [r.key for r in records]
    key_marks = ",".join("?" * len(keys))
    star = conn.execute(f"SELECT min(starred_at), group_concat(tags, ' ') FROM user_watchlist WHERE entity_key IN ({key_marks})", keys).fetchone()
    notes = _all(
        Note,
        conn,
        f"SELECT entity_key AS key, note, updated_at FROM user_notes WHERE entity_key IN ({key_marks}) ORDER BY entity_key != ?, entity_key",
        (*keys, head["key"]),
    )
    return Entity(
        id=head["id"],
        key=head["key"],
        kind=kind,
        name=head["name"],
        countries=tuple(sorted({c for r in records for c in r.countries})),
        ownership=head["ownership"],
        remarks="\n".join(dict.fromkeys(r.remarks for r in records if r.remarks)) or None,
        first_seen=seen[0] or head["first_seen"],  # of the whole entity: its earliest record, its latest
        last_seen=seen[1] or head["last_seen"],
        records=records,
        names=tuple(names.values()),
        addresses=addresses,
        identifiers=_all(
            Identifier, conn, f"SELECT kind, value, country, origin AS list FROM identifiers WHERE entity_id {of} ORDER BY id", tuple(ids)
        ),
        facts=_all(Fact, conn, f"SELECT DISTINCT kind, value FROM facts WHERE entity_id {of} ORDER BY kind, value", tuple(ids)),
        listings=_listings(conn, ids),
        goods=goods,
        relations=tuple(related(conn, ids)),
        changes=tuple(changes(db, entity_ids=ids, baseline=True)),
        candidates=tuple(candidates(db, gid)),
        sources=_all(
            Source,
            conn,
            "SELECT DISTINCT s.name, s.file, s.url, s.as_of, s.license FROM sources s WHERE s.id IN"
            f" (SELECT source_id FROM names WHERE entity_id {of} UNION SELECT source_id FROM"
            f" listings WHERE entity_id {of} UNION SELECT source_id FROM addresses WHERE"
            f" entity_id {of} UNION SELECT source_id FROM entity_goods WHERE entity_id {of}"
            f" UNION SELECT source_id FROM entities WHERE id {of})",
            tuple(ids) * 5,
        ),
        trade=_all(
            TradeFlow,
            conn,
            f"SELECT {TRADE_COLUMNS} FROM trade_flows t LEFT JOIN sources s ON s.id = t.source_id"
            f" WHERE t.hs_code IN ({','.join('?' * len(codes))}) ORDER BY t.hs_code, t.period",
            tuple(codes),
        )
        if codes
        else (),
        shipments=shipments_of(db, gid),
        notes=notes,
        watchlist=Star(star[0], " ".join(dict.fromkeys((star[1] or "").split()))) if star[0] else None,
        note=joined_notes(notes) or None,
    )


def listings(db: sqlite_utils.Database, entity_id: int) -> tuple[Listing, ...]:
    """The listings of an entity (every record of its group), active first, newest first."""
    return _listings(db.conn, members(db.conn, group_of(db.conn, entity_id)))


def _listings(conn: sqlite3.Connection, ids: list[int]) -> tuple[Listing, ...]:
    return _all(
        Listing,
        conn,
        "SELECT l.list, l.programs, l.citation, l.start_date, l.end_date,"
        " l.license_requirement, l.license_policy, l.status, l.removed_date, l.source_url,"
        " l.remarks, s.name AS source, s.as_of AS source_as_of, e.key AS record FROM listings l"
        " JOIN entities e ON e.id = l.entity_id"
        f" LEFT JOIN sources s ON s.id = l.source_id WHERE l.entity_id IN ({','.join('?' * len(ids))})"
        " ORDER BY l.status, l.start_date DESC",
        tuple(ids),
    )


def result_sources(db: sqlite_utils.Database, keys: Sequence[str]) -> tuple[Source, ...]:
    """The sources of the names and listings of the records with these keys (what a search export cites)."""
    return _all(
        Source,
        db.conn,
        "SELECT DISTINCT s.name, s.file, s.url, s.as_of, s.license FROM sources s WHERE s.id IN"
        f" (SELECT l.source_id FROM listings l JOIN entities e ON e.id = l.entity_id WHERE e.key {IN_JSON}"
        f" UNION SELECT n.source_id FROM names n JOIN entities e ON e.id = n.entity_id WHERE e.key {IN_JSON})"
        " ORDER BY s.name, s.as_of",
        (as_json(list(keys)),) * 2,
    )


def _all(cls: type[T], conn: sqlite3.Connection, sql: str, params: tuple = ()) -> tuple[T, ...]:
    """Every row of ``sql`` as a ``cls``."""
    return tuple(of_row(cls, r) for r in rows(conn, sql, params))


def joined_notes(notes: Sequence[Note]) -> str:
    """The notes of an entity's records as one text: a single note as it is, several each after its record key."""
    if len(notes) == 1:
        return notes[0].note
    return "\n\n".join(f"[{n.key}] {n.note}" for n in notes)


# A stated relation as its other side reads it.
INVERSE = {
    "owner of": "owned by",
    "owned by": "owner of",
    "director of": "has director",
    "employed by": "employs",
    "member of": "has member",
    "represents": "represented by",
    "family of": "family of",
    "associate of": "associate of",
    "linked to": "linked to",
}

# Identifiers that link entities when two share them exactly (kind as OFAC writes it → relation).
CONTACT_KINDS = {"Website": "same website as", "Email Address": "same e-mail as", "Phone Number": "same phone as"}


def related(conn: sqlite3.Connection, ids: list[int], derived: bool = True) -> list[Related]:
    """Stated relations ("Linked To") both ways, then (unless ``derived`` is False) the ones derived from the data:
    a shared street address, website, e-mail or phone."""
    marks = ",".join("?" * len(ids))
    out = rows(
        conn,
        "SELECT r.kind, r.detail, r.role, coalesce(g.group_id, r.to_id) AS entity_id, 'out' AS direction"
        " FROM relations r LEFT JOIN resolution g ON g.entity_id = r.to_id"
        f" WHERE r.from_id IN ({marks}) UNION ALL SELECT r.kind, r.detail, r.role, coalesce(g.group_id, r.from_id), 'in'"
        " FROM relations r LEFT JOIN resolution g ON g.entity_id = r.from_id"
        f" WHERE r.to_id IN ({marks})",
        (*ids, *ids),
    )
    out = [r for r in out if r["entity_id"] not in ids]
    out = list({(r["kind"], r["detail"], r["role"], r["entity_id"], r["direction"]): r for r in out}.values())  # one per list it is filed under
    for rel in out:  # "owner of" seen from the asset is "owned by"; the role (a share, a relationship) joins the detail
        if rel["direction"] == "in":
            rel["kind"] = INVERSE.get(rel["kind"], rel["kind"])
        role = rel.pop("role")
        if role and rel["direction"] == "in":
            rel["detail"] = role
        elif role:
            rel["detail"] = f"{rel['detail']} ({role})" if rel["detail"] else role
    shared = (
        rows(
            conn,
            "SELECT DISTINCT 'same address as' AS kind, a.address AS detail, a2.entity_id FROM addresses a"
            " JOIN addresses a2 ON a2.norm = a.norm AND a2.entity_id NOT IN (" + marks + ")"
            f" WHERE a.entity_id IN ({marks}) AND "
            + STREET_LEVEL
            + " UNION SELECT DISTINCT i.kind, i.value, i2.entity_id FROM identifiers i JOIN identifiers i2"
            " ON i2.kind = i.kind AND lower(i2.value) = lower(i.value) AND i2.entity_id NOT IN (" + marks + ")"
            f" WHERE i.entity_id IN ({marks}) AND i.kind IN ({','.join('?' * len(CONTACT_KINDS))})",
            (*ids, *ids, *ids, *ids, *CONTACT_KINDS),
        )
        if derived
        else []
    )
    groups = dict(
        conn.execute(
            "SELECT entity_id, group_id FROM resolution WHERE entity_id IN ({})".format(",".join(str(int(d["entity_id"])) for d in shared) or "NULL")
        )
    )
    seen: set[tuple[str, int]] = set()
    for d in shared:
        gid = groups.get(d["entity_id"], d["entity_id"])
        kind = CONTACT_KINDS.get(d["kind"], d["kind"])
        if gid in ids or (kind, gid) in seen or len(seen) >= 200:
            continue
        seen.add((kind, gid))
        out.append({"kind": kind, "detail": d["detail"], "entity_id": gid, "direction": "both"})
    names = dict(
        conn.execute(
            "SELECT id, name FROM entities WHERE id IN ({})".format(",".join(str(int(r["entity_id"])) for r in out if r["entity_id"]) or "NULL")
        )
    )
    return [
        of_row(
            Related,
            rel,
            entity_name=names.get(rel["entity_id"]) if rel["entity_id"] else None,
            lists=tuple(active_lists(conn, rel["entity_id"])) if rel["entity_id"] else (),
        )
        for rel in out
    ]


def active_lists(conn: sqlite3.Connection, group_id: int) -> list[str]:
    """Active list codes of a group (of all its records)."""
    ids = members(conn, group_id)
    sql = f"SELECT list FROM listings WHERE status = 'active' AND entity_id IN ({','.join('?' * len(ids))})"
    return sorted({code for (code,) in conn.execute(sql, ids)})


def _neighbours(conn: sqlite3.Connection, sql: str, params: tuple, ids: list[int]) -> tuple[Neighbour, ...]:
    """Other entities (as groups) found by ``sql`` (which selects entity ids), with their names and lists."""
    found = [eid for (eid,) in conn.execute(sql, params)]
    groups = dict(
        conn.execute("SELECT entity_id, group_id FROM resolution WHERE entity_id IN ({})".format(",".join(str(int(e)) for e in found) or "NULL"))
    )
    out: list[Neighbour] = []
    seen: set[int] = set()
    for eid in found:
        gid = groups.get(eid, eid)
        if gid in ids or gid in seen or len(seen) >= 100:
            continue
        seen.add(gid)
        row = conn.execute("SELECT name, countries FROM entities WHERE id = ?", (gid,)).fetchone()
        out.append(Neighbour(gid, row[0], row[1], " ".join(active_lists(conn, gid))))
    return tuple(sorted(out, key=lambda o: o.name))


def rejects(db: sqlite_utils.Database, import_id: int | None = None) -> list[dict[str, Any]]:
    """Rejected rows, newest import first (or of one import)."""
    where, params = ("WHERE import_id = ?", (import_id,)) if import_id else ("", ())
    return rows(db.conn, f"SELECT import_id, file, line, field, error FROM rejects {where} ORDER BY import_id DESC, line", params)
