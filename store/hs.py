"""The goods lens: the HS tree with CHPL tiers, and per code its trade figures and linked suppliers."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from .db import IN_JSON, as_json, rows
from .links import ACCEPTED, WITH_DECISIONS
from .models import TRADE_COLUMNS, TradeFlow, of_row


def dotted(code: str) -> str:
    """HS code as people write it: 854231 → 8542.31."""
    return f"{code[:4]}.{code[4:]}" if len(code) > 4 and code.isdigit() else code


def sections(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """HS sections with the number of CHPL codes under each."""
    return rows(
        db.conn,
        "SELECT s.section AS code, s.name AS description,"
        " (SELECT count(*) FROM chpl c JOIN hs_codes h ON h.code = c.hs6 WHERE h.section = s.section) AS chpl"
        " FROM hs_sections s ORDER BY s.rowid",
    )


# The CHPL codes under ``h.code`` (a range on chpl's key: ":" sorts right after "9").
_CHPL_UNDER = "(SELECT count(*) FROM chpl x WHERE x.hs6 >= h.code AND x.hs6 < h.code || ':') AS chpl"


def tree(db: sqlite_utils.Database) -> dict[str, list[dict[str, Any]]]:
    """The whole nomenclature in one read: the children of every section (its chapters) and of every code, each with
    its level, description, CHPL tier, the CHPL codes under it and whether it has children of its own."""
    found = rows(
        db.conn,
        f"SELECT h.code, h.level, h.description, c.tier, {_CHPL_UNDER}, h.parent, h.section"
        " FROM hs_codes h LEFT JOIN chpl c ON c.hs6 = h.code WHERE h.level >= 2 ORDER BY h.code",
    )
    parents = {r["parent"] for r in found if r["parent"]}
    out: dict[str, list[dict[str, Any]]] = {}
    for r in found:
        parent, section = r.pop("parent"), r.pop("section")
        under = section if r["level"] == 2 else parent  # chapters hang from their section
        r["has_children"] = int(r["code"] in parents)
        if under:
            out.setdefault(under, []).append(r)
    return out


def path_to(db: sqlite_utils.Database, code: str) -> list[str]:
    """Section, chapter, heading… down to ``code`` (for opening the tree at a code)."""
    out: list[str] = []
    row = db.conn.execute("SELECT parent, section FROM hs_codes WHERE code = ?", (code,)).fetchone()
    if row is None:
        return out
    section = row[1]
    while row is not None:
        out.insert(0, code)
        code = row[0]
        row = db.conn.execute("SELECT parent, section FROM hs_codes WHERE code = ?", (code,)).fetchone() if code else None
    return [section, *out]


def node(db: sqlite_utils.Database, code: str) -> dict[str, Any] | None:
    """One HS code: description, CHPL tier, trade figures and suppliers linked to it or to a broader code."""
    conn = db.conn
    found = rows(
        conn,
        "SELECT h.code, h.level, h.description, h.section, c.tier, c.tier_name, c.tier_group,"
        " c.tier_definition, c.list_version FROM hs_codes h LEFT JOIN chpl c ON c.hs6 = h.code"
        " WHERE h.code = ?",
        (code,),
    )
    if not found:
        return None
    out = found[0]
    out["chpl_below"] = rows(conn, "SELECT hs6, tier, tier_group FROM chpl WHERE hs6 LIKE ? || '%' ORDER BY hs6", (code,))
    found_trade = rows(
        conn,
        f"SELECT {TRADE_COLUMNS} FROM trade_flows t LEFT JOIN sources s ON s.id = t.source_id"
        " WHERE t.hs_code = ? OR ? LIKE t.hs_code || '%' AND length(t.hs_code) >= 4"
        " ORDER BY t.hs_code, t.period, t.reporter",
        (code, code),
    )
    out["trade"] = [of_row(TradeFlow, t) for t in found_trade]
    out["suppliers"] = suppliers(db, code)
    return out


def suppliers(db: sqlite_utils.Database, code: str) -> list[dict[str, Any]]:
    """Entities whose goods are this code, a code under it, or the broader code it belongs to.

    Goods come from documented evidence (``entity_goods``) and from the entity's shipments as an
    exporter through linked (exact, not rejected) or confirmed parties.
    """
    found = rows(
        db.conn,
        "SELECT e.id AS entity_id, e.name, e.countries, g.hs_code, g.goods, g.evidence, s.name AS source,"
        " (SELECT group_concat(l.list, ' ') FROM listings l WHERE l.entity_id = e.id"
        "  AND l.status = 'active') AS lists"
        " FROM entity_goods g JOIN entities e ON e.id = g.entity_id"
        " LEFT JOIN sources s ON s.id = g.source_id"
        " WHERE g.hs_code LIKE ? || '%' OR ? LIKE g.hs_code || '%' ORDER BY e.name",
        (code, code),
    )
    shipped = rows(
        db.conn,
        "SELECT e.id AS entity_id, e.name, e.countries, s.hs_code, count(*) AS shipments,"
        " sum(s.value) AS value,"
        " (SELECT group_concat(x.list, ' ') FROM listings x WHERE x.entity_id = e.id"
        "  AND x.status = 'active') AS lists"
        f" FROM party_links l {WITH_DECISIONS} JOIN shipments s ON s.exporter_key = l.party_key"
        " WHERE (s.hs_code LIKE ? || '%' OR ? LIKE s.hs_code || '%')"
        f" AND {ACCEPTED} GROUP BY e.id, s.hs_code ORDER BY e.name",
        (code, code),
    )
    for row in shipped:
        row.update(goods=f"{row.pop('shipments')} shipments, value {row.pop('value') or 0:,.0f}", evidence="linked customs records", source="shipments")
    return _per_entity(db, found + shipped, code)


def _per_entity(db: sqlite_utils.Database, found: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    """One row per resolved entity and code: a firm on two lists is one supplier, with the badges of every list
    its records are on, known by its entity's name; its goods from each record are joined."""
    ids = sorted({row["entity_id"] for row in found})
    group = dict(db.conn.execute(f"SELECT entity_id, group_id FROM resolution WHERE entity_id {IN_JSON}", (as_json(ids),)))
    heads = sorted({group.get(i, i) for i in ids})
    members = dict(
        db.conn.execute(f"SELECT group_id, group_concat(entity_id) FROM resolution WHERE group_id {IN_JSON} GROUP BY group_id", (as_json(heads),))
    )
    records = {h: [h] + ([int(i) for i in members[h].split(",")] if h in members else []) for h in heads}
    everyone = [i for rs in records.values() for i in rs]
    named = dict(db.conn.execute(f"SELECT id, name FROM entities WHERE id {IN_JSON}", (as_json(heads),)))
    countries: dict[int, set[str]] = {}
    lists: dict[int, set[str]] = {}
    head_of = {i: h for h, rs in records.items() for i in rs}
    for eid, cs in db.conn.execute(f"SELECT id, countries FROM entities WHERE id {IN_JSON}", (as_json(everyone),)):
        countries.setdefault(head_of[eid], set()).update(c for c in cs.split(",") if c)
    for eid, code_ in db.conn.execute(f"SELECT entity_id, list FROM listings WHERE status = 'active' AND entity_id {IN_JSON}", (as_json(everyone),)):
        lists.setdefault(head_of[eid], set()).add(code_)
    out: dict[tuple[int, str], dict[str, Any]] = {}
    for row in found:
        head = group.get(row["entity_id"], row["entity_id"])
        key = (head, row["hs_code"])
        if key in out:
            seen = out[key]
            for field in ("goods", "evidence", "source"):
                parts = [p for p in (seen.get(field), row.get(field)) if p]
                seen[field] = "; ".join(dict.fromkeys(parts))
            continue
        out[key] = {
            **row,
            "entity_id": head,
            "name": named.get(head, row["name"]),
            "countries": ",".join(sorted(countries.get(head, ()))),
            "lists": sorted(lists.get(head, ())),
            "via": "" if row["hs_code"] == code else dotted(row["hs_code"]),
        }
    return sorted(out.values(), key=lambda r: (r["name"].casefold(), r["hs_code"]))
