"""FollowTheMoney out: the store (or some entities) as JSON lines that OpenSanctions-style tools read.

One party per list record (ids are the store's stable keys), with an Address entity per address,
an Identification per identifier, a Sanction per listing, and an UnknownLink per relation. The
importer (:mod:`store.importers.ftm`) reads this shape back whole. Change history and the user's
own data (stars, notes, decisions) are not part of FollowTheMoney and stay in the store.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

import sqlite_utils

from .db import IN_JSON, as_json
from .importers.csl import LIST_NAMES
from .importers.ftm import ID_PROPS

SCHEMAS = {"company": "Company", "person": "Person", "vessel": "Vessel", "aircraft": "Airplane", "other": "LegalEntity"}
_ID_KINDS = {label: prop for prop, label in ID_PROPS.items() if prop in ("website", "email", "phone")}


def _id(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:16]


def _entity(id_: str, schema: str, **props: Any) -> dict[str, Any]:
    clean = {k: [str(x) for x in (v if isinstance(v, list) else [v]) if x not in (None, "")] for k, v in props.items()}
    return {"id": id_, "schema": schema, "properties": {k: v for k, v in clean.items() if v}}


def entities(db: sqlite_utils.Database, entity_ids: Iterable[int] | None = None) -> Iterator[dict[str, Any]]:
    """FollowTheMoney entities for every record (or the given ones)."""
    conn = db.conn
    where = " WHERE id IN (SELECT entity_id FROM listings)"  # list records (goods files' suppliers are not FollowTheMoney parties)
    params: tuple = ()
    if entity_ids is not None:
        ids = list(entity_ids)
        where, params = f" WHERE id {IN_JSON}", (as_json(ids),)
    records = conn.execute(f"SELECT id, key, kind, name, countries, remarks, first_seen, last_seen FROM entities{where} ORDER BY id",
                           params).fetchall()
    keys = dict(conn.execute("SELECT id, key FROM entities"))
    by: dict[str, dict[int, list[tuple]]] = {t: defaultdict(list) for t in ("names", "addresses", "identifiers", "listings", "relations")}
    for row in conn.execute("SELECT entity_id, name, kind FROM names ORDER BY entity_id, kind != 'primary', id"):
        by["names"][row[0]].append(row[1:])
    for row in conn.execute("SELECT entity_id, address, country FROM addresses ORDER BY id"):
        by["addresses"][row[0]].append(row[1:])
    for row in conn.execute("SELECT entity_id, kind, value, country FROM identifiers ORDER BY id"):
        by["identifiers"][row[0]].append(row[1:])
    for row in conn.execute("SELECT entity_id, list, programs, citation, start_date, end_date, license_requirement, license_policy,"
                            " status, removed_date, source_url, remarks FROM listings ORDER BY id"):
        by["listings"][row[0]].append(row[1:])
    for row in conn.execute("SELECT from_id, to_id, kind, detail FROM relations ORDER BY id"):
        by["relations"][row[0]].append(row[1:])
    for eid, key, kind, name, countries, remarks, first_seen, last_seen in records:
        names = by["names"][eid]
        addresses = list(dict.fromkeys(by["addresses"][eid]))
        address_ids = [f"{key}-addr-{_id(a, c)}" for a, c in addresses]
        contact = {prop: [v for k, v, _ in by["identifiers"][eid] if k == label] for label, prop in _ID_KINDS.items()}
        party = _entity(key, SCHEMAS.get(kind, "LegalEntity"), name=list(dict.fromkeys([n for n, k in names if k == "primary"] or [name])),
                        alias=[n for n, k in names if k == "aka"], previousName=[n for n, k in names if k == "former"],
                        country=[c.lower() for c in countries.split(",") if c], notes=remarks, addressEntity=address_ids,
                        address=[a for a, _ in addresses], topics="sanction", **contact)
        party.update({"datasets": sorted({x[0] for x in by["listings"][eid]}), "first_seen": first_seen, "last_seen": last_seen})
        yield party
        for (full, country), address_id in zip(addresses, address_ids, strict=True):
            yield _entity(address_id, "Address", full=full, country=(country or "").lower())
        for k, value, country in by["identifiers"][eid]:
            if k not in _ID_KINDS:
                yield _entity(f"{key}-id-{_id(k, value)}", "Identification", holder=key, type=k, number=value,
                              country=(country or "").lower())
        for code, programs, citation, start, end, requirement, policy, status, removed, url, listing_remarks in by["listings"][eid]:
            yield _entity(f"{key}-sanction-{code.lower()}", "Sanction", entity=key, authority=LIST_NAMES.get(code, code),
                          programId=code, program=programs, reason=citation, startDate=start, endDate=end,
                          provisions=requirement, summary=policy, status=status, date=removed, sourceUrl=url,
                          description=listing_remarks)
        for to_id, rel_kind, detail in by["relations"][eid]:
            target = keys.get(to_id) if to_id else None  # may be outside the export: the description names it
            yield _entity(f"{key}-link-{_id(rel_kind, detail, target)}", "UnknownLink", subject=key, object=target or "",
                          role=rel_kind, description=detail)


def lines(db: sqlite_utils.Database, entity_ids: Iterable[int] | None = None) -> Iterator[str]:
    """The JSON lines of :func:`entities`."""
    for entity in entities(db, entity_ids):
        yield json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n"
