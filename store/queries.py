"""Read-side queries: store statistics and the full record of one entity."""

from __future__ import annotations

import sqlite3
from typing import Any

import sqlite_utils

# An address precise enough that sharing it means something: a number and more than a city name.
STREET_LEVEL = "a.norm GLOB '*[0-9]*' AND length(a.norm) >= 15"


def rows(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    cur = conn.execute(sql, params)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


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
        "imports": rows(conn, "SELECT id, file, format, as_of, status, rows_read AS rows, added, updated AS changed,"
                               " removed, rejected FROM imports ORDER BY id"),
    }


def entity_id_for(db: sqlite_utils.Database, ref: str) -> int | None:
    """Resolve an entity reference: numeric id or stable key ("ofac:38641")."""
    conn = db.conn
    if ref.isdigit():
        row = conn.execute("SELECT id FROM entities WHERE id = ?", (int(ref),)).fetchone()
    else:
        row = conn.execute("SELECT id FROM entities WHERE key = ?", (ref,)).fetchone()
    return row[0] if row else None


def entity(db: sqlite_utils.Database, entity_id: int) -> dict[str, Any] | None:
    """Everything known about one entity, each fact with its source."""
    conn = db.conn
    found = rows(conn, "SELECT id, key, kind, name, countries, ownership, remarks, first_seen, last_seen"
                        " FROM entities WHERE id = ?", (entity_id,))
    if not found:
        return None
    out = found[0]
    out["countries"] = [c for c in out["countries"].split(",") if c]
    out["names"] = rows(conn, "SELECT n.name, n.kind, n.origin AS list, s.name AS source FROM names n"
                               " LEFT JOIN sources s ON s.id = n.source_id WHERE n.entity_id = ?"
                               " ORDER BY n.kind != 'primary', n.id", (entity_id,))
    out["addresses"] = rows(conn, "SELECT a.address, a.country, a.origin AS list, s.name AS source,"
                                   " (SELECT count(DISTINCT a2.entity_id) FROM addresses a2 WHERE a2.norm = a.norm"
                                   "  AND a2.entity_id != a.entity_id AND " + STREET_LEVEL + ") AS shared_with"
                                   " FROM addresses a LEFT JOIN sources s ON s.id = a.source_id"
                                   " WHERE a.entity_id = ? ORDER BY a.id", (entity_id,))
    out["identifiers"] = rows(conn, "SELECT kind, value, country, origin AS list FROM identifiers"
                                     " WHERE entity_id = ? ORDER BY id", (entity_id,))
    out["listings"] = rows(conn, "SELECT l.list, l.programs, l.citation, l.start_date, l.end_date,"
                                  " l.license_requirement, l.license_policy, l.status, l.removed_date, l.source_url,"
                                  " l.remarks, s.name AS source, s.as_of AS source_as_of FROM listings l"
                                  " LEFT JOIN sources s ON s.id = l.source_id WHERE l.entity_id = ?"
                                  " ORDER BY l.status, l.start_date DESC", (entity_id,))
    out["goods"] = rows(conn, "SELECT g.hs_code, h.description, c.tier AS chpl_tier, g.goods, g.evidence, g.period,"
                               " s.name AS source FROM entity_goods g LEFT JOIN hs_codes h ON h.code = g.hs_code"
                               " LEFT JOIN chpl c ON c.hs6 = g.hs_code OR c.hs6 LIKE g.hs_code || '%'"
                               " LEFT JOIN sources s ON s.id = g.source_id WHERE g.entity_id = ?"
                               " GROUP BY g.id ORDER BY g.hs_code", (entity_id,))
    out["relations"] = rows(conn, "SELECT r.kind, r.detail, r.to_id AS entity_id, e.name AS entity_name,"
                                   " 'out' AS direction FROM relations r LEFT JOIN entities e ON e.id = r.to_id"
                                   " WHERE r.from_id = ? UNION ALL SELECT r.kind, r.detail, r.from_id, e.name, 'in'"
                                   " FROM relations r JOIN entities e ON e.id = r.from_id WHERE r.to_id = ?",
                             (entity_id, entity_id))
    out["changes"] = rows(conn, "SELECT c.list, c.change, c.fields, c.as_of, i.file FROM changes c"
                                 " JOIN imports i ON i.id = c.import_id WHERE c.entity_id = ? ORDER BY c.id",
                           (entity_id,))
    out["sources"] = rows(conn, "SELECT DISTINCT s.name, s.file, s.url, s.as_of, s.license FROM sources s WHERE s.id IN"
                                 " (SELECT source_id FROM names WHERE entity_id = :e UNION SELECT source_id FROM"
                                 " listings WHERE entity_id = :e UNION SELECT source_id FROM addresses WHERE"
                                 " entity_id = :e UNION SELECT source_id FROM entity_goods WHERE entity_id = :e"
                                 " UNION SELECT source_id FROM entities WHERE id = :e)", {"e": entity_id})
    for address in out["addresses"]:
        address["others"] = rows(conn, "SELECT DISTINCT e.id AS entity_id, e.name, e.countries,"
                                       " (SELECT group_concat(l.list, ' ') FROM listings l WHERE l.entity_id = e.id"
                                       "  AND l.status = 'active') AS lists FROM addresses a JOIN addresses a2"
                                       " ON a2.norm = a.norm AND a2.entity_id != a.entity_id JOIN entities e ON e.id = a2.entity_id"
                                       " WHERE a.entity_id = ? AND a.address = ? AND " + STREET_LEVEL + " ORDER BY e.name LIMIT 100",
                                 (entity_id, address["address"]))
    for rel in out["relations"]:
        rel["lists"] = sorted({code for (code,) in conn.execute(
            "SELECT list FROM listings WHERE entity_id = ? AND status = 'active'", (rel["entity_id"],))})
    codes = sorted({g["hs_code"] for g in out["goods"]})
    out["trade"] = rows(conn, "SELECT t.reporter, t.partner, t.flow, t.hs_code, t.product, t.period, t.value, t.unit,"
                              " s.name AS source FROM trade_flows t LEFT JOIN sources s ON s.id = t.source_id"
                              f" WHERE t.hs_code IN ({','.join('?' * len(codes))}) ORDER BY t.hs_code, t.period",
                        tuple(codes)) if codes else []
    from .links import shipments_of  # deferred: links imports the search engine

    out["shipments"] = shipments_of(db, entity_id)
    key = out["key"]
    star = conn.execute("SELECT starred_at, tags FROM user_watchlist WHERE entity_key = ?", (key,)).fetchone()
    note = conn.execute("SELECT note FROM user_notes WHERE entity_key = ?", (key,)).fetchone()
    out["watchlist"] = {"starred_at": star[0], "tags": star[1]} if star else None
    out["note"] = note[0] if note else None
    return out


def rejects(db: sqlite_utils.Database, import_id: int | None = None) -> list[dict[str, Any]]:
    """Rejected rows, newest import first (or of one import)."""
    where, params = ("WHERE import_id = ?", (import_id,)) if import_id else ("", ())
    return rows(db.conn, f"SELECT import_id, file, line, field, error FROM rejects {where} ORDER BY import_id DESC, line",
                 params)
