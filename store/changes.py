"""What changed between list snapshots: added, changed (which fields, before and after), removed, relisted.

Each list import writes one ``changes`` row per entity it added, changed or removed. The first snapshot
of a list is its *baseline*: everything in it is "added", which says nothing about what changed, so
queries leave it out unless asked. Rows are reported per resolved entity (a record merged into a group
reports under the group's id and name) with the listing's current Federal Register citation.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from .db import IN_JSON, as_json, rows
from .lists import LIST_NAMES
from .models import Change, of_row

KINDS = ("added", "changed", "removed", "relisted")


def list_code(name: str, known: set[str] | frozenset[str] = frozenset()) -> str | None:
    """The list code for a code or a name: "EL", "Entity List", "entity list (bis)", "nonproliferation".

    ``known``: the codes in the store, so a list imported under a code of its own is found too.
    """
    wanted = " ".join(name.lower().split())
    if not wanted:
        return None
    for code in known:
        if wanted == code.lower():
            return code
    for code, full in LIST_NAMES.items():
        if wanted == code.lower() or wanted == full.lower() or wanted == full.lower().split(" (")[0]:
            return code
    matches = [code for code, full in LIST_NAMES.items() if wanted in full.lower()]
    return matches[0] if len(matches) == 1 else None


def list_name(code: str) -> str:
    """A list's name for display ("EL" → "Entity List (BIS)")."""
    return LIST_NAMES.get(code, code)


_SELECT = (
    "WITH first AS (SELECT list, min(import_id) AS import_id FROM changes GROUP BY list)"  # each list's baseline
    " SELECT c.id, c.list, c.change, c.fields, c.detail, c.as_of, i.file, coalesce(r.group_id, c.entity_id) AS entity_id,"
    " g.key, g.name, g.countries, l.citation, l.start_date, l.status AS listing_status, c.import_id = f.import_id AS baseline"
    " FROM changes c JOIN first f ON f.list = c.list JOIN imports i ON i.id = c.import_id"
    " LEFT JOIN resolution r ON r.entity_id = c.entity_id"
    " JOIN entities g ON g.id = coalesce(r.group_id, c.entity_id)"
    " LEFT JOIN listings l ON l.entity_id = c.entity_id AND l.list = c.list"
)


def changes(
    db: sqlite_utils.Database,
    list_code: str | None = None,
    since: str | None = None,
    kind: str | None = None,
    *,
    baseline: bool = False,
    entity_ids: list[int] | None = None,
    limit: int | None = None,
) -> list[Change]:
    """Changes, newest snapshot first; filtered by list code, snapshot date (``as_of >= since``) and kind."""
    where, params = [], []
    if list_code:
        where.append("c.list = ?")
        params.append(list_code)
    if since:
        where.append("c.as_of >= ?")
        params.append(since)
    if kind:
        where.append("c.change = ?")
        params.append(kind)
    if entity_ids is not None:
        where.append(f"c.entity_id {IN_JSON}")
        params.append(as_json(entity_ids))
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
    sql = f"SELECT * FROM ({sql})" + ("" if baseline else " WHERE NOT baseline")
    sql += " ORDER BY as_of DESC, list, change, name" + (f" LIMIT {int(limit)}" if limit else "")
    out: list[Change] = []
    seen: set[tuple] = set()
    for row in rows(db.conn, sql, tuple(params)):  # a list repeating one party per address: one row for the entity
        if (key := (row["entity_id"], row["list"], row["change"], row["as_of"], row["detail"])) not in seen:
            seen.add(key)
            out.append(
                of_row(
                    Change,
                    row,
                    list_name=list_name(row["list"]),
                    fields=tuple(row["fields"].split(",")) if row["fields"] else (),
                    detail=json.loads(row["detail"]) if row["detail"] else {},
                    countries=tuple(c for c in row["countries"].split(",") if c),
                    baseline=bool(row["baseline"]),
                )
            )
    return out


def snapshots(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Per list snapshot: how many entities were added, changed, removed, relisted (baseline snapshots flagged)."""
    out = rows(
        db.conn,
        "WITH first AS (SELECT list, min(import_id) AS import_id FROM changes GROUP BY list)"
        " SELECT c.list, c.as_of, i.file, c.import_id,"
        " sum(c.change = 'added') AS added, sum(c.change = 'changed') AS changed,"
        " sum(c.change = 'removed') AS removed, sum(c.change = 'relisted') AS relisted,"
        " c.import_id = f.import_id AS baseline"
        " FROM changes c JOIN first f ON f.list = c.list JOIN imports i ON i.id = c.import_id"
        " GROUP BY c.list, c.import_id ORDER BY c.as_of DESC, c.list",
    )
    for row in out:
        row["list_name"] = list_name(row["list"])
        row["baseline"] = bool(row["baseline"])
    return out


def describe(change: Change) -> str:
    """One line for a change: what happened, with before → after for listing fields."""
    if change.change != "changed":
        return change.change
    parts = []
    for field in change.fields:
        detail = change.detail.get(field)
        if isinstance(detail, list) and len(detail) == 2:
            parts.append(f"{field}: {detail[0] or '—'} → {detail[1] or '—'}")
        elif isinstance(detail, dict):
            bits = [
                f"+{len(detail.get('added', []))}" if detail.get("added") else "",
                f"-{len(detail.get('removed', []))}" if detail.get("removed") else "",
            ]
            parts.append(f"{field} {' '.join(b for b in bits if b)}".strip())
        else:
            parts.append(field)
    return "; ".join(parts) or "changed"
