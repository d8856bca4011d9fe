"""FollowTheMoney out: the store (or some records) as JSON lines that the ``followthemoney`` library accepts whole.

One party per list record, with an Address per address, an Identification (or Passport, or
CryptoWallet) per identifier a party can hold, a Sanction per listing, and a typed link (Ownership,
Directorship, Family, …, else UnknownLink) per relation whose other side is exported too. Ids are
legal FollowTheMoney ids made from our keys (``ofac:21944`` → ``ofac-21944``; keys with other
characters are slugged and given a short hash); the key itself is each Sanction's ``recordId``.
Vessel and aircraft identifiers are their own properties; OFAC's remark-like "identifiers" and links
to parties outside the export are notes. Change history and the user's own data are not exported.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

import sqlite_utils

from .db import IN_JSON, as_json
from .lists import dataset_of, list_name

SCHEMAS = {"company": "Company", "person": "Person", "vessel": "Vessel", "aircraft": "Airplane", "other": "LegalEntity"}
DATASET = "watchlist"  # every exported entity is in it; an import of the file is one source of that name
_ID = re.compile(r"^[0-9a-zA-Z]([0-9a-zA-Z.-]*[0-9a-zA-Z])?$")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_IDENTIFIER_MAX, _STRING_MAX = 64, 1024  # FollowTheMoney's longest identifier and string values
# Identifier kinds that are properties of the party itself, by schema family.
_CONTACT = {"Website": "website", "Email Address": "email", "Phone Number": "phone", "Telephone": "phone"}
_VESSEL = {
    "Vessel Registration Identification": "imoNumber",
    "MMSI": "mmsi",
    "Other Vessel Call Sign": "callSign",
    "Call Sign": "callSign",
    "IMO": "imoNumber",
    "Other Vessel Type": "pastTypes",
}
_AIRCRAFT = {
    "Aircraft Model": "model",
    "Aircraft Manufacturer's Serial Number (MSN)": "serialNumber",
    "Aircraft Construction Number (also called L/N or S/N or F/N)": "serialNumber",
    "Aircraft Tail Number": "registrationNumber",
    "Aircraft Serial Identification": "serialNumber",
}
_PASSPORTS = re.compile(r"passport", re.I)
_NOT_IDS = re.compile(
    r"[:\-]\s*$|\bdate\b|information|executive order|transactions prohibited|target type|organization type|"
    r"nationality of registration|registration country|vessel flag|vessel type|aircraft operator|"
    r"aircraft manufacture date|previous aircraft|mode s|caatsa|ifca|peesa|un/locode",
    re.I,
)
# Relation kinds → (schema, the carrier's property, the other side's property, the role property, ranges of both sides).
_LINKS = {
    "owner of": ("Ownership", "owner", "asset", "role", ("LegalEntity", "Asset")),
    "owned by": ("Ownership", "asset", "owner", "role", ("Asset", "LegalEntity")),
    "director of": ("Directorship", "director", "organization", "role", ("LegalEntity", "Organization")),
    "employed by": ("Employment", "employee", "employer", "role", ("Person", "Organization")),
    "member of": ("Membership", "member", "organization", "role", ("LegalEntity", "Organization")),
    "represents": ("Representation", "agent", "client", "role", ("LegalEntity", "LegalEntity")),
    "family of": ("Family", "person", "relative", "relationship", ("Person", "Person")),
    "associate of": ("Associate", "person", "associate", "relationship", ("Person", "Person")),
}
# Which schemata each party schema is (the part of FollowTheMoney's hierarchy the ranges above need).
_IS_A = {
    "Company": {"Company", "Organization", "LegalEntity", "Asset", "Thing"},
    "Person": {"Person", "LegalEntity", "Thing"},
    "LegalEntity": {"LegalEntity", "Thing"},
    "Vessel": {"Vessel", "Asset", "Thing"},
    "Airplane": {"Airplane", "Asset", "Thing"},
}


def ftm_id(key: str) -> str:
    """A legal, stable FollowTheMoney id for a store key: ``ofac:21944`` → ``ofac-21944``, else a slug with a hash."""
    simple = key.replace(":", "-", 1)
    if key.count(":") == 1 and _ID.match(simple) and len(simple) <= 100:
        return simple
    slug = re.sub(r"[^0-9a-zA-Z]+", "-", key).strip("-")[:80].strip("-") or "record"
    return f"{slug}-{_hash(key)}"


def _hash(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:12]


def _date(text: str | None) -> str | None:
    """A date FollowTheMoney accepts ("2022", "2022-03", "2022-03-01"), or None ("Various", prose)."""
    text = (text or "").strip()[:10]
    return text if _DATE.match(text) else None


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_2.lower() for c in pycountry.countries) | {"xk"}


def _country(code: str | None) -> str | None:
    code = (code or "").strip().lower()
    return code if code in _countries() else None


_EMAIL = re.compile(r"^[^<>()\[\],;:?\s@\"]{1,64}@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$", re.I)


def _contact(prop: str, value: str, countries: list[str]) -> str | None:
    """A website, e-mail or phone as FollowTheMoney takes it (phones in E.164), or None (then it is kept as a note)."""
    value = value.strip().rstrip(".")
    if prop == "email":
        return value if _EMAIL.match(value.removeprefix("mailto:")) else None
    if prop == "website":
        return value if "." in value and " " not in value else None
    import phonenumbers

    digits = re.sub(r"[^\d+]", "", value)
    tries = [(value, None), ("+" + digits.lstrip("+"), None)] + [(value, c.upper()) for c in countries]
    for text, region in tries:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def _entity(id_: str, schema: str, **props: Any) -> dict[str, Any]:
    clean = {k: list(dict.fromkeys(str(x) for x in (v if isinstance(v, list) else [v]) if x not in (None, ""))) for k, v in props.items()}
    return {"id": id_, "schema": schema, "properties": {k: v for k, v in clean.items() if v}, "datasets": [DATASET]}


def _load(conn: Any, table: str, cols: str, ids: set[int], owner: str = "entity_id") -> dict[int, list[tuple]]:
    """The rows of ``table`` that belong to the exported records, by record."""
    out: dict[int, list[tuple]] = defaultdict(list)
    for row in conn.execute(f"SELECT {owner}, {cols} FROM {table} WHERE {owner} {IN_JSON} ORDER BY id", (as_json(ids),)):
        out[row[0]].append(row[1:])
    return out


def entities(db: sqlite_utils.Database, entity_ids: Iterable[int] | None = None) -> Iterator[dict[str, Any]]:
    """FollowTheMoney entities for every list record (or the given records), each id once."""
    conn = db.conn
    where = " WHERE id IN (SELECT entity_id FROM listings)"  # list records (goods files' suppliers are not FollowTheMoney parties)
    params: tuple = ()
    if entity_ids is not None:
        where, params = f" WHERE id {IN_JSON}", (as_json(list(entity_ids)),)
    records = conn.execute(f"SELECT id, key, kind, name, countries, remarks, first_seen, last_seen FROM entities{where} ORDER BY id", params).fetchall()
    ids = {r[0] for r in records}
    exported = {eid: (ftm_id(key), SCHEMAS.get(kind, "LegalEntity")) for eid, key, kind, *_ in records}
    by = {
        "names": _load(conn, "names", "name, kind", ids),
        "addresses": _load(conn, "addresses", "address, country", ids),
        "identifiers": _load(conn, "identifiers", "kind, value, country", ids),
        "facts": _load(conn, "facts", "kind, value", ids),
        "listings": _load(
            conn,
            "listings",
            "list, programs, citation, start_date, end_date, license_requirement, license_policy, status, removed_date, source_url, remarks",
            ids,
        ),
        "relations": _load(conn, "relations", "to_id, kind, detail, role", ids, owner="from_id"),
    }
    written: set[str] = set()
    for eid, key, _kind, name, countries, remarks, first_seen, last_seen in records:
        pid, schema = exported[eid]
        for entity in _party(eid, key, schema, name, countries, remarks, by, exported):
            if entity["id"] in written:
                continue
            written.add(entity["id"])
            if entity["id"] == pid:
                entity["datasets"] = [DATASET, *sorted({dataset_of(x[0]) for x in by["listings"][eid]})]
                entity.update({k: v for k, v in (("first_seen", first_seen), ("last_seen", last_seen)) if v})
            yield entity


def _party(
    eid: int,
    key: str,
    schema: str,
    name: str,
    countries: str,
    remarks: str | None,
    by: dict[str, dict[int, list[tuple]]],
    exported: dict[int, tuple[str, str]],
) -> Iterator[dict[str, Any]]:
    pid = exported[eid][0]
    names = by["names"][eid]
    props: dict[str, list[str]] = defaultdict(list)
    props["name"] = list(dict.fromkeys([n for n, k in names if k == "primary"] or [name]))
    props["alias"] = [n for n, k in names if k == "aka"]
    props["previousName"] = [n for n, k in names if k == "former"]
    props["weakAlias"] = [n for n, k in names if k == "weak"]
    props["country"] = [c for c in map(_country, countries.split(",")) if c]
    notes = [remarks] if remarks else []
    children: list[dict[str, Any]] = []
    addresses = list(dict.fromkeys(by["addresses"][eid]))
    for full, country in addresses:
        address_id = f"{pid}-addr-{_hash(full, country)}"
        props["addressEntity"].append(address_id)
        props["address"].append(full)
        children.append(_entity(address_id, "Address", full=full, country=_country(country)))
    own = _VESSEL if schema == "Vessel" else _AIRCRAFT if schema == "Airplane" else {}
    holder = "LegalEntity" in _IS_A[schema]
    hints = [c for c in countries.split(",") if c]
    for kind, value, country in by["identifiers"][eid]:
        contact = _contact(_CONTACT[kind], value, hints) if kind in _CONTACT and holder else None
        if contact:
            props[_CONTACT[kind]].append(contact)
        elif kind in own:
            prop = own[kind]
            digits = re.sub(r"\D", "", value)
            props[prop].append(f"IMO{digits}" if prop == "imoNumber" and len(digits) == 7 else value)  # the library's form
        elif not holder or kind in _CONTACT or _NOT_IDS.search(kind):
            notes.append(f"{kind} {value}".strip())
        elif len(value) > _IDENTIFIER_MAX:  # longer than FollowTheMoney's identifier type takes
            notes.append(f"{kind} {value}")
        elif kind.startswith("Digital Currency Address"):
            currency = kind.rsplit("-", 1)[-1].strip()
            children.append(_entity(f"{pid}-wallet-{_hash(value)}", "CryptoWallet", publicKey=value, currency=currency, holder=pid))
        else:
            children.append(
                _entity(
                    f"{pid}-id-{_hash(kind, value, country)}",
                    "Passport" if _PASSPORTS.search(kind) else "Identification",
                    holder=pid,
                    type=kind,
                    number=value,
                    country=_country(country),
                )
            )
    for kind, value in by["facts"][eid]:
        if schema != "Person":
            continue
        if kind == "birth_date" and (day := _date(value)):
            props["birthDate"].append(day)
        elif kind == "birth_place":
            props["birthPlace"].append(value)
        elif kind in ("nationality", "citizenship") and (code := _country(value)):
            props[kind].append(code)
        elif kind == "gender" and value.lower() in ("male", "female", "other"):
            props["gender"].append(value.lower())
        elif kind == "position":
            props["position"].append(value)
    for code, programs, citation, start, end, requirement, policy, status, removed, url, listing_remarks in by["listings"][eid]:
        children.append(
            _entity(
                f"{pid}-sanction-{re.sub(r'[^0-9a-zA-Z]+', '-', code).strip('-').lower() or _hash(code)}",
                "Sanction",
                entity=pid,
                authority=list_name(code),
                programId=code,
                program=programs,
                reason=citation,
                startDate=_date(start),
                endDate=_date(end) or (_date(removed) if status != "active" else None),
                summary=policy,
                status=status,
                sourceUrl=url,
                provisions=requirement if len(requirement or "") <= _STRING_MAX else None,
                recordId=key,
                description=[listing_remarks, requirement if len(requirement or "") > _STRING_MAX else None],
            )
        )
    for to_id, kind, detail, role in by["relations"][eid]:
        link = _link(pid, schema, exported.get(to_id) if to_id else None, kind, detail, role)
        if link is None:
            notes.append(f"{kind[:1].upper()}{kind[1:]}: {detail}" + (f" ({role})" if role else ""))
        else:
            children.append(link)
    props["notes"] = notes
    props["topics"] = ["sanction"]
    yield _entity(pid, schema, **props)
    yield from children


def _link(pid: str, schema: str, other: tuple[str, str] | None, kind: str, detail: str, role: str | None) -> dict[str, Any] | None:
    """A typed link to another exported party (UnknownLink when the type's ranges don't fit), or None if it is not exported."""
    if other is None:
        return None
    oid, other_schema = other
    link_id = f"{pid}-link-{_hash(kind, detail, oid)}"
    if kind in _LINKS:
        link_schema, carrier, target, role_prop, (carrier_range, target_range) = _LINKS[kind]
        if carrier_range in _IS_A[schema] and target_range in _IS_A[other_schema]:
            percent = role.removesuffix("%") if role and link_schema == "Ownership" and role.endswith("%") else None
            return _entity(
                link_id, link_schema, **{carrier: pid, target: oid, "description": detail, ("percentage" if percent else role_prop): percent or role}
            )
    return _entity(
        link_id,
        "UnknownLink",
        subject=pid,
        object=oid,
        role=kind if kind != "linked to" else role,
        description=detail if not role or kind == "linked to" else f"{detail} ({role})",
    )


def lines(db: sqlite_utils.Database, entity_ids: Iterable[int] | None = None) -> Iterator[str]:
    """The JSON lines of :func:`entities`."""
    for entity in entities(db, entity_ids):
        yield json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n"
