"""Applying a list snapshot to the store: match, diff, upsert, mark removals.

All writes of one file happen in one transaction (see :func:`store.importers.run`).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import defaultdict, deque
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date

from ..db import IN_JSON, as_json
from ..normalize import analyze, key_name
from ..resolve import shared_set
from .match_keys import Batch, KeyWorkers, address_key, name_keys
from .records import ImportReport, ListRecord

LISTING_FIELDS = ("programs", "citation", "start_date", "end_date", "license_requirement", "license_policy", "source_url", "remarks")
# Fields whose difference is a change of substance (URLs and remarks differ by format, not by fact).
_SHOWN = 20  # names or addresses kept per side in a change's detail
COMPARED_FIELDS = ("programs", "citation", "start_date", "end_date", "license_requirement", "license_policy")


def derived_key(rec: ListRecord) -> str:
    """Entity key for lists without their own ids: list + normalised name + countries."""
    return f"{rec.list.lower()}:{key_name(rec.name)}:{','.join(sorted(rec.all_countries()))}"


def _overlap(a: AbstractSet[str], b: AbstractSet[str]) -> bool:
    return not a or not b or bool(a & b)


def group_records(records: list[ListRecord]) -> list[ListRecord]:
    """Merge rows of one snapshot that are the same entity (BIS repeats a firm per address)."""
    out: list[ListRecord] = []
    by_key: dict[str, ListRecord] = {}
    by_name: dict[tuple[str, str], list[ListRecord]] = defaultdict(list)
    for rec in records:
        if rec.key:
            same = by_key.get(f"{rec.list}|{rec.key}")
        else:
            same = next((o for o in by_name[(rec.list, key_name(rec.name))] if _overlap(o.all_countries(), rec.all_countries())), None)
        if same is None:
            out.append(rec)
            if rec.key:
                by_key[f"{rec.list}|{rec.key}"] = rec
            else:
                by_name[(rec.list, key_name(rec.name))].append(rec)
        else:
            _merge(same, rec)
    return out


def merge_by_target(records: list[ListRecord], find: Callable[[ListRecord], int | None]) -> list[ListRecord]:
    """Rows of one snapshot that update the same stored record, merged as :func:`group_records` merges one entity's rows.

    BIS may split a party it once listed in one row into rows per country ("Veteran Avia LLC": Armenia; the UK, Greece,
    Pakistan): each row matches the stored record, and written one after the other each would replace the other's
    addresses, so the record would change, and lose addresses, at every import of the list.
    """
    out: list[ListRecord] = []
    first: dict[tuple[str, int], ListRecord] = {}
    for rec in records:
        eid = None if rec.context else find(rec)
        if eid is None:
            out.append(rec)
        elif (same := first.get((rec.list, eid))) is None:
            first[(rec.list, eid)] = rec
            out.append(rec)
        else:
            _merge(same, rec)
    return out


def _merge(same: ListRecord, rec: ListRecord) -> None:
    """Add what ``rec`` says to ``same`` (another row of the same party)."""
    for attr in ("aliases", "addresses", "identifiers", "linked_to"):
        seen = getattr(same, attr)
        seen.extend(v for v in getattr(rec, attr) if v not in seen)
    same.countries |= rec.countries
    for f in LISTING_FIELDS:
        if not getattr(same, f) and getattr(rec, f):
            setattr(same, f, getattr(rec, f))


class SnapshotWriter:
    """Writes one snapshot of one or more lists into an open transaction."""

    def __init__(
        self, conn: sqlite3.Connection, import_id: int, source_id: int, as_of: str, report: ImportReport, keys: KeyWorkers | None = None
    ) -> None:
        self.conn = conn
        self.import_id = import_id
        self.source_id = source_id
        self.as_of = as_of
        self.report = report
        self._derived: dict[str, dict[str, list[tuple[int, frozenset[str]]]]] = {}
        self._link_keys: list[tuple[str, int, str]] = []  # (target key, from entity, detail), pointed once all are written
        # New entities are written in batches (one executemany per table per FLUSH records): their ids are given here,
        # which is safe inside the import's write transaction. An entity still waiting is written before it is read.
        self._next_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM entities").fetchone()[0]
        self._waiting: dict[str, int] = {}  # key → id of the entities made since the last flush
        self._first_waiting = self._next_id  # the lowest of their ids
        self._rows: dict[str, list[tuple]] = defaultdict(list)  # table → rows to write
        # A batch's names and addresses wait for their match keys (computed by ``keys``, in worker processes for a
        # large import) while the next batch is matched: (first id of the batch, its keys, its name rows, its address rows).
        self._keys = keys or KeyWorkers(parallel=False)
        self._sent: deque[tuple[int, Batch, list[tuple], list[tuple]]] = deque()
        # every record made, removed or changed in what resolution compares (names, identifiers, addresses, countries,
        # kind, listings): what it must look at again; a record a snapshot repeats unchanged is not
        self.touched: set[int] = set()
        self._wrote = False  # whether the record being applied had rows written or deleted
        self.wrote_text = False  # whether any text the full-text indexes hold was written (names, records made or renamed)
        # What the store holds for the records about to be applied, read for a chunk of them at once (see :meth:`prefetch`):
        # entity keys looked up (their ids, or known absent), and each stored record's rows, used once, by its first update.
        self._ids: dict[str, int] = {}
        self._absent: set[str] = set()
        self._stored: dict[int, _Stored] = {}
        self._current: _Stored | None = None  # the rows of the record being updated, when prefetched

    # -- matching -------------------------------------------------------------------------
    def _derived_index(self, list_code: str) -> dict[str, list[tuple[int, frozenset[str]]]]:
        if list_code not in self._derived:
            index: dict[str, list[tuple[int, frozenset[str]]]] = defaultdict(list)
            prefix = list_code.lower() + ":"
            for eid, key in self.conn.execute("SELECT id, key FROM entities WHERE key >= ? AND key < ?", (prefix, prefix + "\uffff")):
                _, name, countries = key.split(":", 2)
                index[name].append((eid, shared_set(filter(None, countries.split(",")))))
            self._derived[list_code] = index
        return self._derived[list_code]

    def find(self, rec: ListRecord) -> int | None:
        """The existing entity a record updates, if any."""
        if rec.key:
            if rec.key in self._waiting:
                return self._waiting[rec.key]
            if (known := self._ids.get(rec.key)) is not None:
                return known
            if rec.key in self._absent:
                return None
            row = self.conn.execute("SELECT id FROM entities WHERE key = ?", (rec.key,)).fetchone()
            return row[0] if row else None
        matches = self._derived_index(rec.list).get(key_name(rec.name), [])
        countries = rec.all_countries()
        best = [eid for eid, cs in matches if cs & countries] or [eid for eid, cs in matches if _overlap(cs, countries)]
        return best[0] if best else None

    PREFETCH = 500  # records whose stored rows are read at once

    def look_up(self, records: list[ListRecord]) -> None:
        """Ask the store at once which of these records' keys it has (:meth:`find` then asks nothing of them); what
        earlier calls learnt is forgotten."""
        self._ids.clear()
        self._absent.clear()
        keys = list({r.key for r in records if r.key and r.key not in self._waiting})
        for start in range(0, len(keys), 50_000):
            part = keys[start : start + 50_000]
            self._ids.update(self.conn.execute(f"SELECT key, id FROM entities WHERE key {IN_JSON}", (as_json(part),)))
            self._absent.update(k for k in part if k not in self._ids)

    def prefetch(self, records: list[ListRecord]) -> None:
        """Read at once what the store holds for these records, the next to be applied: which of their keys it has,
        and each stored record's entity, names, addresses, identifiers, facts, relations and listings (an update of a
        record then reads none of them one by one: nine queries a record, half of a list re-import's time)."""
        self._stored.clear()
        self.look_up(records)
        written = self._sent[0][0] if self._sent else self._first_waiting  # ids from here on are not all written yet
        eids = sorted({e for r in records if (e := self.find(r)) is not None and e < written})
        if not eids:
            return
        ids = (as_json(eids),)
        stored = self._stored = {e: _Stored() for e in eids}
        for eid, *row in self.conn.execute(f"SELECT id, name, kind, countries FROM entities WHERE id {IN_JSON}", ids):
            stored[eid].entity = tuple(row)
        for table, (owner, cols, order) in _PREFETCHED.items():
            query = f"SELECT {owner}, origin, id, {', '.join(cols)} FROM {table} WHERE {owner} {IN_JSON} ORDER BY {owner}, origin, {order}"
            for eid, origin, *row in self.conn.execute(query, ids):
                stored[eid].rows[table].append((origin, tuple(row)))
        for eid, list_code, *row in self.conn.execute(
            f"SELECT entity_id, list, id, status, {', '.join(LISTING_FIELDS)} FROM listings WHERE entity_id {IN_JSON}", ids
        ):
            stored[eid].listings[list_code] = tuple(row)

    # -- writing --------------------------------------------------------------------------
    FLUSH = 2_000  # new entities written per batch

    def apply(self, rec: ListRecord) -> int:
        """Insert or update the entity and listing of one record; return the entity id."""
        eid = self.find(rec)
        if eid is None:
            eid = self._add(rec)
            self.touched.add(eid)
            return eid
        if eid >= (self._sent[0][0] if self._sent else self._first_waiting):  # not all written yet: written before it is compared with
            self.flush()
        changed: list[str] = []
        detail: dict[str, object] = {}
        self._current = current = self._stored.pop(eid, None)  # read ahead, used once: a second update of it reads again
        old = current.entity if current is not None else None
        if old is None:
            old = self.conn.execute("SELECT name, kind, countries FROM entities WHERE id = ?", (eid,)).fetchone()
        self._wrote = rec.kind not in ("other", old[1])
        if old[0] != rec.name.strip():
            self.wrote_text = True
            changed.append("name")
            detail["name"] = [old[0], rec.name.strip()]
        self.conn.execute(
            "UPDATE entities SET name = ?, kind = CASE WHEN ? = 'other' THEN kind ELSE ? END, last_seen = ? WHERE id = ?",
            (rec.name.strip(), rec.kind, rec.kind, self.as_of, eid),
        )
        for field_name, diff in (
            ("names", self._replace_names(eid, rec)),
            ("addresses", self._replace_addresses(eid, rec) if rec.has_addresses else None),
            ("identifiers", self._replace_identifiers(eid, rec)),
        ):
            if diff and (diff := _substantive(diff)):
                changed.append(field_name)
                detail[field_name] = diff
        if diff := self._replace_facts(eid, rec):
            changed.append("facts")
            detail["facts"] = diff
        self._replace_relations(eid, rec)
        self._update_countries(eid, rec, old[2])
        if self._wrote:
            self.touched.add(eid)
        # a record known to the source but listed by none has no listing: its change is counted, not recorded as a list's
        change = self._upsert_listing(eid, rec, changed, detail) if not rec.context else ("changed", changed) if changed else None
        if change and change[0] != "changed":  # a listing added or relisted
            self.touched.add(eid)
        if change and not rec.context:
            self.conn.execute(
                "INSERT INTO changes (import_id, entity_id, list, change, fields, as_of, detail) VALUES (?,?,?,?,?,?,?)",
                (
                    self.import_id,
                    eid,
                    rec.list,
                    change[0],
                    ",".join(change[1]) or None,
                    self.as_of,
                    json.dumps(detail, ensure_ascii=False) if detail and change[0] != "added" else None,
                ),
            )
        self._current = None
        if change is None:
            self.report.unchanged += 1
        elif change[0] == "added":
            self.report.added += 1
        else:
            self.report.updated += 1
        return eid

    def _add(self, rec: ListRecord) -> int:
        """A record no entity matches: a new entity, its rows queued for the next :meth:`flush`."""
        eid = self._next_id
        self._next_id += 1
        self.wrote_text = True
        key = rec.key or derived_key(rec)
        self._waiting[key] = eid
        countries = rec.all_countries()
        if not rec.key:
            self._derived_index(rec.list)[key_name(rec.name)].append((eid, shared_set(countries)))
        rows, origin, source = self._rows, rec.filed_under, self.source_id
        name = rec.name.strip()
        rows["entities"].append((eid, key, rec.kind, name, ",".join(sorted(countries)), rec.remarks or None, self.as_of, self.as_of, source))
        rows["names"] += [(n, k, eid, origin, source) for n, k in _unique_names(rec)]  # keyed when sent
        if rec.has_addresses:
            rows["addresses"] += [(a, c, eid, origin, source) for a, c in dict.fromkeys(rec.addresses)]
        rows["identifiers"] += [(*i, eid, origin, source) for i in dict.fromkeys(rec.identifiers)]
        rows["facts"] += [(*f, eid, origin, source) for f in dict.fromkeys(rec.facts)]
        relations = [("linked to", t, None) for t in rec.linked_to] + [(r.kind, r.target, r.role or None) for r in rec.relations]
        rows["relations"] += [(*r, eid, origin, source) for r in dict.fromkeys(relations)]
        self._link_keys += [(k, eid, detail) for detail, k in rec.link_keys.items()]
        self._link_keys += [(r.target_key, eid, r.target) for r in rec.relations if r.target_key]
        if not rec.context:  # known to the source, listed by none: no listing, no change of a list
            values = [(getattr(rec, f) or "").strip() or None for f in LISTING_FIELDS]
            removed = "removed" if rec.removed else "active"
            rows["listings"].append((eid, rec.list, removed, rec.removed_date or None, source, *values))
            rows["changes"].append((self.import_id, eid, rec.list, "added", None, self.as_of, None))
        self.report.added += 1
        if len(self._waiting) >= self.FLUSH:
            self._send()
        return eid

    def _send(self) -> None:
        """Write the queued new entities and their rows (entities first: the rest refer to them), but for their names and
        addresses, whose keys are asked for (once a worker is free: the oldest batch out is written first if none is)."""
        names, addresses = self._rows.pop("names", []), self._rows.pop("addresses", [])
        for table, cols in _BATCHED.items():
            if rows := self._rows.pop(table, None):
                self.conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)
        if names or addresses:
            while len(self._sent) >= self._keys.workers:
                self._write_keyed()
            batch = self._keys.submit([r[0] for r in names], [r[0] for r in addresses])
            self._sent.append((self._first_waiting, batch, names, addresses))
        self._ids.update(self._waiting)  # written now: found by key without asking the store
        self._waiting.clear()
        self._first_waiting = self._next_id

    def _write_keyed(self) -> None:
        """Write the names and addresses of the oldest batch sent, with their keys."""
        _, batch, names, addresses = self._sent.popleft()
        name_keys, address_keys = self._keys.result(batch)
        self.conn.executemany(
            f"INSERT INTO names ({', '.join(_NAME_COLUMNS)}) VALUES ({', '.join('?' * len(_NAME_COLUMNS))})",
            [(name, kind, *key, *rest) for (name, kind, *rest), key in zip(names, name_keys, strict=True)],
        )
        self.conn.executemany(
            f"INSERT INTO addresses ({', '.join(_ADDRESS_COLUMNS)}) VALUES ({', '.join('?' * len(_ADDRESS_COLUMNS))})",
            [(address, country, key, *rest) for (address, country, *rest), key in zip(addresses, address_keys, strict=True)],
        )

    def flush(self) -> None:
        """Write every new entity queued or sent, with all its rows."""
        self._send()
        while self._sent:
            self._write_keyed()

    def _replace_set(
        self,
        table: str,
        eid: int,
        origin: str,
        cols: tuple[str, ...],
        new: list[tuple],
        extra: Callable[[tuple], dict],
        owner: str = "entity_id",
        add_only: bool = False,
    ) -> dict[str, list[str]] | None:
        """Make the rows of one origin equal to ``new``; return what was added and removed (None if nothing, or if there were none)."""
        current = self._current
        if current is not None and table in current.rows:
            cur = [row for row_origin, row in current.rows[table] if row_origin == origin]
        else:
            cur = self.conn.execute(f"SELECT id, {', '.join(cols)} FROM {table} WHERE {owner} = ? AND origin = ?", (eid, origin)).fetchall()
        have = {tuple(r[1:]): r[0] for r in cur}
        want = list(dict.fromkeys(new))
        wanted = set(want)
        gone_vals = [] if add_only else [vals for vals in have if vals not in wanted]
        gone = [have[vals] for vals in gone_vals]
        added = [v for v in want if v not in have]
        if gone or added:
            self.wrote_text = self.wrote_text or table == "names"
            if current is not None:
                current.rows.pop(table, None)  # no longer what the store holds: read again if asked
        if gone:
            self.conn.executemany(f"DELETE FROM {table} WHERE id = ?", [(g,) for g in gone])
            self._wrote = True
        if added:
            self._wrote = True
            all_cols = (*cols, *extra(()).keys(), owner, "origin", "source_id")
            self.conn.executemany(
                f"INSERT INTO {table} ({', '.join(all_cols)}) VALUES ({', '.join('?' * len(all_cols))})",
                [(*v, *extra(v).values(), eid, origin, self.source_id) for v in added],
            )
        if not (gone or added) or not cur:
            return None
        return {"added": [_shown(v, cols) for v in added][:_SHOWN], "removed": [_shown(v, cols) for v in gone_vals][:_SHOWN]}

    def _every(self, table: str, eid: int, query: str) -> list[tuple]:
        """All of a record's rows of ``table``, of every origin, as ``query`` reads them (id first, then the columns
        :data:`_PREFETCHED` names): read ahead when they were and nothing has changed them since."""
        current = self._current
        if current is not None and table in current.rows:
            return [row for _, row in current.rows[table]]
        return self.conn.execute(query, (eid,)).fetchall()

    def _replace_names(self, eid: int, rec: ListRecord) -> dict[str, list[str]] | None:
        unique = _unique_names(rec)

        def keys(v: tuple) -> dict:
            return dict(zip(("latn", "core", "ident"), name_keys(v[0]) if v else ("", "", ""), strict=True))

        if rec.partial:
            known = {row[1] for row in self._every("names", eid, "SELECT id, name, kind FROM names WHERE entity_id = ?")}
            unique = [(n, k) for n, k in unique if n not in known]
        return self._replace_set("names", eid, rec.filed_under, ("name", "kind"), unique, keys, add_only=rec.partial)

    def _replace_addresses(self, eid: int, rec: ListRecord) -> dict[str, list[str]] | None:
        return self._replace_set(
            "addresses", eid, rec.filed_under, ("address", "country"), rec.addresses, lambda v: {"norm": address_key(v[0]) if v else ""}
        )

    def _replace_identifiers(self, eid: int, rec: ListRecord) -> dict[str, list[str]] | None:
        ids = rec.identifiers
        if rec.partial:
            known = {_alnum(row[2]) for row in self._every("identifiers", eid, "SELECT id, kind, value FROM identifiers WHERE entity_id = ?")}
            ids = [i for i in ids if _alnum(i[1]) not in known]
        return self._replace_set("identifiers", eid, rec.filed_under, ("kind", "value", "country"), ids, lambda v: {}, add_only=rec.partial)

    def _replace_facts(self, eid: int, rec: ListRecord) -> dict[str, list[str]] | None:
        facts = rec.facts
        if rec.partial:
            known = {row[1:3] for row in self._every("facts", eid, "SELECT id, kind, value FROM facts WHERE entity_id = ?")}
            facts = [f for f in facts if f not in known]
        return self._replace_set("facts", eid, rec.filed_under, ("kind", "value"), facts, lambda v: {}, add_only=rec.partial)

    def _replace_relations(self, eid: int, rec: ListRecord) -> None:
        rows = [("linked to", t, None) for t in rec.linked_to] + [(r.kind, r.target, r.role or None) for r in rec.relations]
        self._replace_set("relations", eid, rec.filed_under, ("kind", "detail", "role"), rows, lambda v: {}, owner="from_id")
        self._link_keys += [(key, eid, detail) for detail, key in rec.link_keys.items()]
        self._link_keys += [(r.target_key, eid, r.target) for r in rec.relations if r.target_key]

    def point_links(self) -> None:
        """Point relations whose target the file named by key (FollowTheMoney links) at that entity."""
        self.flush()
        self.conn.executemany(
            "UPDATE relations SET to_id = (SELECT id FROM entities WHERE key = ?) WHERE from_id = ? AND detail = ? AND to_id IS NULL", self._link_keys
        )

    def _update_countries(self, eid: int, rec: ListRecord, old: str) -> None:
        countries = rec.all_countries()
        stored = self._every("addresses", eid, "SELECT id, address, country FROM addresses WHERE entity_id = ?")
        countries |= {row[2] for row in stored if row[2] is not None}
        if not rec.has_addresses:
            countries |= set(filter(None, old.split(",")))
        if (new := ",".join(sorted(countries))) != old:
            self.conn.execute("UPDATE entities SET countries = ? WHERE id = ?", (new, eid))
            self._wrote = True

    def _upsert_listing(self, eid: int, rec: ListRecord, changed: list[str], detail: dict[str, object]) -> tuple[str, list[str]] | None:
        values = {f: (getattr(rec, f) or "").strip() or None for f in LISTING_FIELDS}
        current = self._current
        if current is not None:
            old = current.listings.get(rec.list)
        else:
            old = self.conn.execute(
                f"SELECT id, status, {', '.join(LISTING_FIELDS)} FROM listings WHERE entity_id = ? AND list = ?",
                (eid, rec.list),
            ).fetchone()
        if old is None:
            self.conn.execute(
                f"INSERT INTO listings (entity_id, list, status, removed_date, source_id, {', '.join(LISTING_FIELDS)})"
                f" VALUES (?, ?, ?, ?, ?, {', '.join('?' * len(LISTING_FIELDS))})",
                (eid, rec.list, "removed" if rec.removed else "active", rec.removed_date or None, self.source_id, *values.values()),
            )
            return ("added", [])
        diff = [
            f
            for f, v in zip(LISTING_FIELDS, old[2:], strict=True)
            if f in COMPARED_FIELDS and values[f] != v and _same_text(values[f], f) != _same_text(v, f)
        ]
        before = dict(zip(LISTING_FIELDS, old[2:], strict=True))
        detail.update({f: [before[f], values[f]] for f in diff})
        relisted = old[1] != "active"
        if diff or relisted or any(values[f] != v for f, v in zip(LISTING_FIELDS, old[2:], strict=True)):
            self.conn.execute(
                f"UPDATE listings SET status = 'active', removed_date = NULL, source_id = ?,"
                f" {', '.join(f + ' = ?' for f in LISTING_FIELDS)} WHERE id = ?",
                (self.source_id, *values.values(), old[0]),
            )
        fields = changed + diff
        if relisted:
            return ("relisted", fields)
        return ("changed", fields) if fields else None

    def active(self, list_code: str, scope: str) -> list[tuple[int, int]]:
        """(listing, record) of the active listings of ``list_code`` among records whose key starts with ``scope``.

        A scope of "" is the lists' own files (CSL, OFAC): every record not brought by a FollowTheMoney source.
        """
        self.flush()
        if scope:
            return self.conn.execute(
                "SELECT l.id, l.entity_id FROM listings l JOIN entities e ON e.id = l.entity_id"
                " WHERE l.list = ? AND l.status = 'active' AND e.key >= ? AND e.key < ?",
                (list_code, scope, scope + "\uffff"),
            ).fetchall()
        return self.conn.execute(
            "SELECT l.id, l.entity_id FROM listings l JOIN entities e ON e.id = l.entity_id"
            " WHERE l.list = ? AND l.status = 'active' AND e.key NOT LIKE 'ftm:%'",
            (list_code,),
        ).fetchall()

    def mark_removed(self, list_code: str, seen: set[int], scope: str = "") -> None:
        """Listings of ``list_code`` (in ``scope``, see :meth:`active`) not in this snapshot become removed (records stay)."""
        self.remove(list_code, [(lid, eid) for lid, eid in self.active(list_code, scope) if eid not in seen])

    def remove(self, list_code: str, gone: list[tuple[int, int]]) -> None:
        """Mark these (listing, record) pairs of ``list_code`` removed, each a change of this import."""
        self.conn.executemany("UPDATE listings SET status = 'removed', removed_date = ? WHERE id = ?", [(self.as_of, lid) for lid, _ in gone])
        self.touched.update(eid for _, eid in gone)
        self.conn.executemany(
            "INSERT INTO changes (import_id, entity_id, list, change, as_of) VALUES (?,?,?,'removed',?)",
            [(self.import_id, eid, list_code, self.as_of) for _, eid in gone],
        )
        self.report.removed += len(gone)


_BATCHED = {  # the tables a new entity writes, in the order they are written, and their columns (names and addresses: below)
    "entities": ("id", "key", "kind", "name", "countries", "remarks", "first_seen", "last_seen", "source_id"),
    "identifiers": ("kind", "value", "country", "entity_id", "origin", "source_id"),
    "facts": ("kind", "value", "entity_id", "origin", "source_id"),
    "relations": ("kind", "detail", "role", "from_id", "origin", "source_id"),
    "listings": ("entity_id", "list", "status", "removed_date", "source_id", *LISTING_FIELDS),
    "changes": ("import_id", "entity_id", "list", "change", "fields", "as_of", "detail"),
}


_NAME_COLUMNS = ("name", "kind", "latn", "core", "ident", "entity_id", "origin", "source_id")

# The rows an update compares, read ahead for a chunk of records: table → (its owner column, the columns compared, the
# order a record's rows of one origin are read in: the order of the table's UNIQUE index, which a query of one record's
# rows reads them by; a change's detail lists what was removed in that order).
_PREFETCHED = {
    "names": ("entity_id", ("name", "kind"), "name"),
    "addresses": ("entity_id", ("address", "country"), "address"),
    "identifiers": ("entity_id", ("kind", "value", "country"), "kind, value"),
    "facts": ("entity_id", ("kind", "value"), "kind, value"),
    "relations": ("from_id", ("kind", "detail", "role"), "id"),
}


@dataclass(slots=True)
class _Stored:
    """What the store held for one record when its chunk was read ahead: its entity row (name, kind, countries), its
    rows of each table in :data:`_PREFETCHED` as (origin, (id, *columns)), and its listings by list (id, status, fields)."""

    entity: tuple | None = None
    rows: dict[str, list[tuple[str, tuple]]] = field(default_factory=lambda: {table: [] for table in _PREFETCHED})
    listings: dict[str, tuple] = field(default_factory=dict)


_ADDRESS_COLUMNS = ("address", "country", "norm", "entity_id", "origin", "source_id")


def _unique_names(rec: ListRecord) -> list[tuple[str, str]]:
    """A record's names, each once with the kind it first has: the primary name first."""
    first_kind: dict[str, str] = {}
    for n, k in [(rec.name.strip(), "primary")] + [(n.strip(), k) for n, k in rec.aliases if n.strip()]:
        first_kind.setdefault(n, k)
    return list(first_kind.items())


_COUNTRY_TAIL = re.compile(r",\s*[A-Z]{2}\s*$")


def _comparable(text: str) -> str:
    """A name or address as compared between snapshots: letters and digits only, no trailing country code."""
    return _alnum(_COUNTRY_TAIL.sub("", text.strip()).removeprefix("and "))


def _substantive(diff: dict[str, list[str]]) -> dict[str, list[str]] | None:
    """Drop added/removed pairs that differ only in case, punctuation or a country code; None if nothing is left."""
    added = {_comparable(v): v for v in diff["added"]}
    removed = {_comparable(v): v for v in diff["removed"]}
    out = {"added": [v for k, v in added.items() if k not in removed], "removed": [v for k, v in removed.items() if k not in added]}
    return out if out["added"] or out["removed"] else None


def _shown(vals: tuple, cols: tuple[str, ...]) -> str:
    """A row as a change shows it: the name or address, or "kind: value" for an identifier."""
    return f"{vals[0]}: {vals[1]}" if cols[0] == "kind" else str(vals[0])


_NOT_ALNUM = re.compile(r"[\W_]+")  # what str.isalnum() refuses: re's \w is isalnum() or "_"


def _alnum(text: str) -> str:
    return _NOT_ALNUM.sub("", text.lower())


def _same_text(text: str | None, field: str = "") -> str:
    """Text as compared between snapshots: spacing, case, punctuation (and program order) don't count."""
    parts = (text or "").split(";") if field == "programs" else [text or ""]
    return ";".join(sorted(_alnum(p) for p in parts))


def resolve_links(conn: sqlite3.Connection) -> None:
    """Point unresolved "Linked To" relations at the entity whose name matches exactly and uniquely."""
    pending = conn.execute("SELECT id, detail FROM relations WHERE to_id IS NULL").fetchall()
    for rid, detail in pending:
        ids = {r[0] for r in conn.execute("SELECT entity_id FROM names WHERE latn = ? LIMIT 3", (analyze(detail).latn,))}
        if len(ids) == 1:
            conn.execute("UPDATE relations SET to_id = ? WHERE id = ?", (ids.pop(), rid))


def today() -> str:
    """ISO date of today."""
    return date.today().isoformat()


def rekey(conn: sqlite3.Connection) -> int:
    """Compute the match keys of every name and address again with today's normalisation; return the rows changed.

    Entity keys (what user data hangs on) and shipment party keys (what link decisions hang on) are left as they are.
    """
    changed = 0
    names = conn.execute("SELECT id, name, latn, core, ident FROM names").fetchall()
    updates = []
    for nid, name, latn, core, ident in names:
        new = name_keys(name)
        if new != (latn, core, ident):
            updates.append((*new, nid))
    conn.executemany("UPDATE names SET latn = ?, core = ?, ident = ? WHERE id = ?", updates)
    changed += len(updates)
    addresses = [(key, aid) for aid, a, norm in conn.execute("SELECT id, address, norm FROM addresses") if (key := address_key(a)) != norm]
    conn.executemany("UPDATE addresses SET norm = ? WHERE id = ?", addresses)
    return changed + len(addresses)
