"""What changed between list snapshots: added, changed (which fields, before and after), removed, relisted.

Each list import writes one ``changes`` row per entity it added, changed or removed. The first snapshot
of a list is its *baseline*: everything in it is "added", which says nothing about what changed, so
queries leave it out unless asked. Rows are reported per resolved entity (a record merged into a group
reports under the group's id and name) with the listing's current Federal Register citation.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from .countries import country_code
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


# -- What's new, filtered: typed filters, live facets, the summary of what is shown -------------------------------


@dataclass(frozen=True)
class ChangeFilter:
    """What a What's new filter asks for; every part must hold (a part with several values: any of them)."""

    lists: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    dates: tuple[str, ...] = ()  # prefixes of the snapshot date ("2025-11")
    since: str = ""
    until: str = ""
    words: tuple[str, ...] = ()  # in the entity's name or the citation
    unknown: tuple[str, ...] = ()  # values not understood (said, never guessed)


_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
FILTER_HELP = "list:EL,SDN  change:added  country:CN,HK  since:2022-01-01  until:2025-12  2025-11  words of a name or citation"


def parse_filter(text: str, known_lists: Iterable[str] = ()) -> ChangeFilter:
    """Read a filter as typed: ``list:``, ``change:``, ``country:``, ``since:``, ``until:``; a bare list code, change
    kind, country code or date prefix is read as that (so "EL added" never matches a name containing "el"); other words
    must be in the name or the citation."""
    known = {c.lower(): c for c in known_lists} | {c.lower(): c for c in LIST_NAMES}
    lists: set[str] = set()
    kinds: set[str] = set()
    countries: set[str] = set()
    dates: list[str] = []
    words: list[str] = []
    unknown: list[str] = []
    since = until = ""
    for token in text.split():
        key, sep, value = token.partition(":")
        key = key.lower()
        if sep and key in ("list", "lists"):
            for v in filter(None, value.split(",")):
                code = known.get(v.lower()) or list_code(v, set(known.values()))
                (lists.add(code) if code else unknown.append(f"list {v}"))
        elif sep and key in ("change", "changes", "kind"):
            for v in filter(None, value.lower().split(",")):
                (kinds.add(v) if v in KINDS else unknown.append(f"change {v}"))
        elif sep and key in ("country", "countries", "ctry"):
            for v in filter(None, value.split(",")):
                code = country_code(v)
                (countries.add(code) if code else unknown.append(f"country {v}"))
        elif sep and key in ("since", "from", "until", "to"):
            if not _DATE.fullmatch(value):
                unknown.append(f"{key} {value}")
            elif key in ("since", "from"):
                since = value
            else:
                until = value
        elif token.lower() in known:
            lists.add(known[token.lower()])
        elif token.lower() in KINDS:
            kinds.add(token.lower())
        elif _DATE.fullmatch(token):
            dates.append(token)
        elif len(token) == 2 and token.isalpha() and (code := country_code(token)):
            countries.add(code)
        else:
            words.append(token.lower())
    return ChangeFilter(frozenset(lists), frozenset(kinds), frozenset(countries), tuple(dates), since, until, tuple(words), tuple(unknown))


def wanted(change: Change, f: ChangeFilter) -> bool:
    """True if the change is what the filter asks for."""
    date = change.as_of or ""
    return (
        (not f.lists or change.list in f.lists)
        and (not f.kinds or change.change in f.kinds)
        and (not f.countries or bool(f.countries & set(change.countries)))
        and (not f.dates or any(date.startswith(d) for d in f.dates))
        and (not f.since or date >= f.since)
        and (not f.until or date[: len(f.until)] <= f.until)
        and all(w in (change.name or "").lower() or w in (change.citation or "").lower() for w in f.words)
    )


def facets(found: Iterable[Change]) -> dict[str, Counter[str]]:
    """How many of the changes are on each list, of each kind, in each country (the counts beside the filter)."""
    out: dict[str, Counter[str]] = {"list": Counter(), "change": Counter(), "country": Counter()}
    for c in found:
        out["list"][c.list] += 1
        out["change"][c.change] += 1
        out["country"].update(set(c.countries) or {"none"})
    return out


def summary(found: Iterable[Change]) -> list[dict[str, Any]]:
    """Per snapshot (list and date) of the changes given: how many of each kind, newest first; counts are the rows'."""
    per: dict[tuple[str, str], Counter[str]] = {}
    for c in found:
        per.setdefault((c.as_of or "", c.list), Counter())[c.change] += 1
    return [
        {"as_of": as_of, "list": code, "list_name": list_name(code), **{k: counts[k] for k in KINDS}}
        for (as_of, code), counts in sorted(per.items(), key=lambda kv: (kv[0][0], kv[0][1]), reverse=True)
    ]
