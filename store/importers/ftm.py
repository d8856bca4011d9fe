"""FollowTheMoney entities in (JSON lines: OpenSanctions' ``entities.ftm.json``, our own export), read in a stream.

A file is one *source*, named by its datasets (or ``--source``): every record it brings is keyed
``ftm:<source>:<id>``, so no file can rewrite another source's records, nor the lists' own ones.
The file is read once into a spill database beside the import (bounded memory, any order of lines),
then each party is put together with what points at it:

- Sanction → a listing, on the list its authority, program or dataset names (:mod:`store.lists`); an
  authority we do not know is a list of its own name. A party with no sanction topic is *context*
  (a company register, a PEP, a disqualified director): kept and searchable, never listed.
- Address (``addressEntity``), Identification and Passport (``holder``) → addresses and identifiers.
- Ownership, Directorship, Employment, Membership, Representation, Family, Associate, UnknownLink →
  typed relations with their role (a share, a relationship), pointed at the other party's record.
- ``referents`` (ids merged into this one) → their fragments and references join the party.
- Person facts: birth date and place, nationality, gender, position.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

from ..countries import code_for
from ..errors import ImportFailed
from ..lists import LIST_NAMES, TREASURY, code_of_authority, code_of_dataset
from .ofac import cons_list
from .reading import json_lines, text_lines
from .records import ImportReport, ListBatch, ListRecord, Reject, Relation

PARTIES = {
    "Company": "company",
    "Organization": "company",
    "PublicBody": "company",
    "LegalEntity": "other",
    "Person": "person",
    "Vessel": "vessel",
    "Airplane": "aircraft",
}
# Link schemata: (the party that carries it, the other party, the relation from the first one's side, role properties).
LINKS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "Ownership": ("owner", "asset", "owner of", ("role", "ownershipType", "percentage")),
    "Directorship": ("director", "organization", "director of", ("role",)),
    "Employment": ("employee", "employer", "employed by", ("role",)),
    "Membership": ("member", "organization", "member of", ("role",)),
    "Representation": ("agent", "client", "represents", ("role",)),
    "Family": ("person", "relative", "family of", ("relationship",)),
    "Associate": ("person", "associate", "associate of", ("relationship",)),
    "UnknownLink": ("subject", "object", "linked to", ("role",)),
}
IDENTIFICATIONS = {"Identification": "Identification", "Passport": "Passport"}
# Identifier properties of parties, as FtM names them → the kind shown in the store.
ID_PROPS = {
    "registrationNumber": "Registration Number",
    "taxNumber": "Tax ID No.",
    "idNumber": "Identification Number",
    "innCode": "Tax ID No.",
    "ogrnCode": "Registration Number",
    "leiCode": "Legal Entity Number",
    "swiftBic": "SWIFT/BIC",
    "imoNumber": "IMO",
    "mmsi": "MMSI",
    "callSign": "Call Sign",
    "passportNumber": "Passport",
    "serialNumber": "Aircraft Manufacturer's Serial Number (MSN)",
    "website": "Website",
    "email": "Email Address",
    "phone": "Phone Number",
    "uscCode": "Unified Social Credit Code (USCC)",
    "okpoCode": "OKPO",
    "dunsCode": "D-U-N-S Number",
    "vatCode": "V.A.T. Number",
}
FACT_PROPS = {
    "birthDate": "birth_date",
    "birthPlace": "birth_place",
    "nationality": "nationality",
    "citizenship": "citizenship",
    "gender": "gender",
    "position": "position",
}
# OpenSanctions topics that mean "listed"; a party with other topics (or none and no Sanction) is context.
LISTED_TOPICS = {"sanction", "debarment", "export.control", "asset.frozen", "sanction.counter"}
_OURS = "watchlist"  # the dataset every entity of our own export carries
_SLUG = re.compile(r"[^a-z0-9_]+")


def _props(entity: dict[str, Any], name: str) -> list[str]:
    values = (entity.get("properties") or {}).get(name) or []
    values = values if isinstance(values, list) else [values]
    return [str(v).strip() for v in values if v is not None and str(v).strip()]


def _first(entity: dict[str, Any], name: str) -> str:
    values = _props(entity, name)
    return values[0] if values else ""


def _shape_problem(item: object) -> tuple[str | None, str] | None:
    """(field, why) when a line is not shaped like a FollowTheMoney entity, else None."""
    if not isinstance(item, dict):
        return None, "not a FollowTheMoney entity (a JSON object with id and schema)"
    if not isinstance(item.get("id"), str) or not item["id"].strip():
        return "id", "not a FollowTheMoney entity (needs a text id)"
    if not isinstance(item.get("schema"), str) or not item["schema"].strip():
        return "schema", "not a FollowTheMoney entity (needs a schema name as text)"
    props = item.get("properties", {})
    if not isinstance(props, dict) or not all(isinstance(v, list) for v in props.values()):
        return "properties", "properties must be an object of lists"
    for name in ("datasets", "referents"):
        if not isinstance(item.get(name, []), list):
            return name, f"{name} must be a list of names"
    return None


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two fragments of one entity as one (FollowTheMoney files may repeat an id with more properties)."""
    props = {k: list(v) for k, v in (a.get("properties") or {}).items()}
    for k, values in (b.get("properties") or {}).items():
        props[k] = props.get(k, []) + [v for v in values if v not in props.get(k, [])]
    out = {**a, "properties": props}
    for name in ("datasets", "referents"):
        out[name] = list(dict.fromkeys([*(a.get(name) or []), *(b.get(name) or [])]))
    return out


class _Spill:
    """The file's entities in a temporary SQLite database: by id, and by what points at them."""

    def __init__(self, folder: Path) -> None:
        self.conn = sqlite3.connect(folder / "spill.db", isolation_level=None)
        self.conn.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE;"
            "CREATE TABLE ents (id TEXT PRIMARY KEY, schema TEXT NOT NULL, line INTEGER NOT NULL, data TEXT NOT NULL) WITHOUT ROWID;"
            "CREATE TABLE refs (target TEXT NOT NULL, source TEXT NOT NULL);"
            "CREATE TABLE referents (old TEXT PRIMARY KEY, id TEXT NOT NULL) WITHOUT ROWID;"
            "BEGIN"
        )

    def add(self, number: int, item: dict[str, Any]) -> None:
        eid = item["id"]
        if not self.conn.execute(
            "INSERT OR IGNORE INTO ents VALUES (?,?,?,?)", (eid, item["schema"], number, json.dumps(item, ensure_ascii=False))
        ).rowcount:
            (old,) = self.conn.execute("SELECT data FROM ents WHERE id = ?", (eid,)).fetchone()  # a fragment of one seen before
            item = _merge(json.loads(old), item)
            self.conn.execute("UPDATE ents SET data = ? WHERE id = ?", (json.dumps(item, ensure_ascii=False), eid))
        schema = item["schema"]
        targets: list[str] = []
        if schema == "Sanction":
            targets = _props(item, "entity")
        elif schema in IDENTIFICATIONS or schema == "CryptoWallet":
            targets = _props(item, "holder")
        elif schema in LINKS:
            targets = _props(item, LINKS[schema][0]) + _props(item, LINKS[schema][1])
        self.conn.executemany("INSERT INTO refs VALUES (?,?)", [(t, eid) for t in dict.fromkeys(targets)])
        self.conn.executemany(
            "INSERT OR IGNORE INTO referents VALUES (?,?)", [(str(r), eid) for r in item.get("referents") or [] if r and str(r) != eid]
        )

    def index(self) -> None:
        self.conn.execute("CREATE INDEX refs_target ON refs(target)")

    def get(self, eid: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT data FROM ents WHERE id = ?", (eid,)).fetchone()
        return json.loads(row[0]) if row else None

    def canonical(self, eid: str) -> str:
        row = self.conn.execute("SELECT id FROM referents WHERE old = ?", (eid,)).fetchone()
        return row[0] if row else eid

    def pointing_at(self, ids: list[str]) -> list[dict[str, Any]]:
        marks = ",".join("?" * len(ids))
        return [
            json.loads(d)
            for (d,) in self.conn.execute(f"SELECT e.data FROM refs r JOIN ents e ON e.id = r.source WHERE r.target IN ({marks}) ORDER BY e.line", ids)
        ]

    def parties(self) -> Iterator[tuple[int, dict[str, Any]]]:
        marks = ",".join("?" * len(PARTIES))
        for line, data in self.conn.execute(f"SELECT line, data FROM ents WHERE schema IN ({marks}) ORDER BY line", tuple(PARTIES)):
            yield line, json.loads(data)

    def close(self) -> None:
        self.conn.close()


def read_ftm(
    path: Path, spill_dir: Path, report: ImportReport, source_name: str | None = None, progress: Callable[[str], None] | None = None
) -> ListBatch:
    """Read a FollowTheMoney JSON-lines file into a spill database; the records come as the batch is iterated."""
    spill = _Spill(spill_dir)
    try:
        return _read_into(spill, path, report, source_name, progress)
    except BaseException:
        spill.close()
        raise


def _read_into(spill: _Spill, path: Path, report: ImportReport, source_name: str | None, progress: Callable[[str], None] | None) -> ListBatch:
    rejects: list[Reject] = []
    common: set[str] | None = None
    every: set[str] = set()
    latest = ""
    parties = 0
    others: dict[str, int] = defaultdict(int)
    for number, value in json_lines(path, text_lines(path)):
        report.rows_read += 1
        if progress and report.rows_read % 50_000 == 0:
            progress(f"{report.rows_read:,} entities read")
        if problem := _shape_problem(value):
            rejects.append(Reject(number, problem[0], problem[1], json.dumps(value, ensure_ascii=False)[:500]))
            continue
        item = cast(dict[str, Any], value)
        item["id"] = item["id"].strip()
        spill.add(number, item)
        if item["schema"] in PARTIES:
            parties += 1
            datasets = {str(d) for d in item.get("datasets") or [] if d}
            common = datasets if common is None else common & datasets
            every |= datasets
            for stamp in (item.get("last_change"), item.get("last_seen")):
                if isinstance(stamp, str) and len(stamp) >= 10 and stamp[:10] > latest:
                    latest = stamp[:10]
        elif item["schema"] not in LINKS and item["schema"] not in IDENTIFICATIONS and item["schema"] not in ("Sanction", "Address", "CryptoWallet"):
            others[item["schema"]] += 1
    if report.rows_read == 0:
        raise ImportFailed(f"{path}: no entities")
    spill.index()
    name = source_name or _source_name(common or set(), every)
    scope = f"ftm:{_slug(name)}:"
    if others:
        report.notes.append("not read: " + ", ".join(f"{n} {s}" for s, n in sorted(others.items())))
    return ListBatch(
        records=_records(spill, scope, rejects),
        as_of=latest or None,
        scope=scope,
        whole=_index_names(path, common or set()),
        source=f"FollowTheMoney: {name}",
        size=parties,
        close=spill.close,
    )


def _source_name(common: set[str], every: set[str]) -> str:
    """A source named by its datasets: those every party shares, else all of them when few, else "opensanctions"."""
    if _OURS in common:
        return _OURS
    if common:
        return "+".join(sorted(common))
    if 0 < len(every) <= 3:
        return "+".join(sorted(every))
    return "opensanctions"


def _slug(name: str) -> str:
    return _SLUG.sub("_", name.lower().replace("+", "__")).strip("_")[:80] or "ftm"


def _index_names(path: Path, common: set[str]) -> bool | None:
    """True when an OpenSanctions ``index.json`` beside the file names the one dataset every entity is in."""
    index = path.parent / "index.json"
    if not index.is_file() or len(common) != 1:
        return None
    try:
        with index.open("rb") as f:  # an input file, never the store
            meta = json.loads(f.read(4 << 20) or b"null")
    except (OSError, ValueError):
        return None
    return True if isinstance(meta, dict) and meta.get("name") in common else None


def _records(spill: _Spill, scope: str, rejects: list[Reject]) -> Iterator[ListRecord | Reject]:
    """One record per party and list (or one context record), with everything that points at the party."""
    yield from rejects
    for line, party in spill.parties():
        if spill.canonical(party["id"]) != party["id"]:
            continue  # a fragment merged into another party: read with it
        yield from _party_records(spill, scope, line, party)


def _party_records(spill: _Spill, scope: str, line: int, party: dict[str, Any]) -> Iterator[ListRecord | Reject]:
    key = party["id"]
    ids = [key]
    for old in party.get("referents") or []:
        if (fragment := spill.get(str(old))) is not None and fragment["schema"] in PARTIES:
            party = _merge(party, fragment)
        ids.append(str(old))
    names = _props(party, "name")
    if not names:
        yield Reject(line, "name", f"{party['schema']} {key} has no name")
        return
    kind = PARTIES[party["schema"]]
    addresses = []
    for ref in _props(party, "addressEntity"):
        address = spill.get(ref)
        if address is not None and (
            full := _first(address, "full")
            or ", ".join(_props(address, p)[0] for p in ("street", "city", "region", "postalCode") if _props(address, p))
        ):
            addresses.append((full, code_for(_first(address, "country")) or None))
    addresses = _unique(addresses + [(a, None) for a in _props(party, "address")], 1)
    countries = {c for p in ("country", "jurisdiction", "nationality", "citizenship", "flag") for v in _props(party, p) if (c := code_for(v))}
    identifiers: list[tuple[str, str, str | None]] = []
    for prop, label in ID_PROPS.items():
        identifiers += [(label, v, None) for v in _props(party, prop)]
    facts = [
        (fact, code_for(v) or v if fact in ("nationality", "citizenship") else v) for prop, fact in FACT_PROPS.items() for v in _props(party, prop)
    ]
    sanctions: list[dict[str, Any]] = []
    relations: list[Relation] = []
    for other in spill.pointing_at(ids):
        schema = other["schema"]
        if schema == "Sanction":
            sanctions.append(other)
        elif schema in IDENTIFICATIONS:
            if number := _first(other, "number"):
                identifiers.append((_first(other, "type") or IDENTIFICATIONS[schema], number, code_for(_first(other, "country"))))
        elif schema == "CryptoWallet":
            if wallet := _first(other, "publicKey"):
                identifiers.append((f"Digital Currency Address - {_first(other, 'currency') or '?'}", wallet, None))
        elif schema in LINKS:
            relations += _relations(spill, scope, key, ids, other)
    aliases = [(n, "primary") for n in names[1:]]  # several names: the lists gave the party more than one own name
    aliases += [(n, "aka") for n in _props(party, "alias")] + [(n, "weak") for n in _props(party, "weakAlias")]
    aliases += [(n, "former") for n in _props(party, "previousName")]
    party_record = ListRecord(
        line=line,
        list="context",
        context=True,
        name=names[0],
        kind=kind,
        key=scope + key,
        aliases=aliases,
        addresses=addresses,
        origin=scope.rstrip(":"),
        identifiers=_unique(identifiers, 2),
        countries=countries,
        facts=list(dict.fromkeys(facts)),
        relations=list(dict.fromkeys(relations)),
        remarks=" ".join(_props(party, "notes")),
    )
    topics = set(_props(party, "topics"))
    listed = bool(topics & LISTED_TOPICS) if topics else bool(sanctions)
    if not listed:
        yield party_record
        return
    by_list: dict[str, ListRecord] = {}
    pairs: list[tuple[str, dict[str, Any] | None]] = [(_list_code(s), s) for s in sanctions]
    for code, sanction in pairs or [(code, None) for code in _party_lists(party)]:
        rec = _listing(party_record, code, sanction)
        if code in by_list:  # two sanctions of one list (programs of one authority): one listing
            same = by_list[code]
            for attr in ("programs", "citation"):
                joined = "; ".join(dict.fromkeys(filter(None, [getattr(same, attr), getattr(rec, attr)])))
                setattr(same, attr, joined)
            same.removed = same.removed and rec.removed
        else:
            by_list[code] = rec
    yield from by_list.values()


def _unique(rows: list[tuple], width: int) -> list[tuple]:
    """Rows with distinct first ``width`` values (the store's unique key), the first with a country kept."""
    out: dict[tuple, tuple] = {}
    for row in rows:
        if row[0] and row[width - 1] and (row[:width] not in out or out[row[:width]][-1] is None):
            out[row[:width]] = row
    return list(out.values())


def _relations(spill: _Spill, scope: str, key: str, ids: list[str], link: dict[str, Any]) -> list[Relation]:
    """The relations a link gives the party ``key`` (the side that carries it; the other side sees it from the store)."""
    carrier, other_prop, label, role_props = LINKS[link["schema"]]
    if not set(_props(link, carrier)) & set(ids):
        return []  # the party is the link's other side: the link is stored on its carrier
    roles = []
    for prop in role_props:
        for value in _props(link, prop):
            roles.append(f"{value}%" if prop == "percentage" and value.replace(".", "", 1).isdigit() else value)
    out = []
    for target in _props(link, other_prop) or [""]:
        target = spill.canonical(target) if target else ""
        other = spill.get(target) if target else None
        name = _first(other, "name") if other else ""
        detail = name or _first(link, "description") or target
        if detail:
            out.append(Relation(label, detail, scope + target if other and other["schema"] in PARTIES else "", "; ".join(dict.fromkeys(roles))))
    return out


def _list_code(sanction: dict[str, Any]) -> str:
    """Which list a Sanction puts its party on: ours by program id (our export), else by the sanction's dataset, else
    by authority and program, else a list under the authority's own name."""
    if (ours := _first(sanction, "programId")) in LIST_NAMES:
        return ours
    datasets = [str(d) for d in sanction.get("datasets") or [] if d and d != _OURS]
    program = " ".join(_props(sanction, "program"))
    if "us_ofac_cons" in datasets:
        cons = cons_list(program, program + " " + " ".join(_props(sanction, "provisions")))
        return cons if cons in TREASURY else "SDN"
    for dataset in datasets:
        if code := code_of_dataset(dataset):
            return code
    authority = " ".join(_props(sanction, "authority"))
    if code := code_of_authority(authority, program):
        return code
    if authority:
        return authority[:60]
    return datasets[0] if datasets else "FTM"


def _party_lists(party: dict[str, Any]) -> list[str]:
    """The lists of a party said to be sanctioned that has no Sanction entity: its datasets that are lists we know."""
    datasets = [str(d) for d in party.get("datasets") or [] if d and d != _OURS]
    known = list(dict.fromkeys(code for d in datasets if (code := code_of_dataset(d))))
    return known or datasets[:1] or ["FTM"]


def _listing(party: ListRecord, code: str, sanction: dict[str, Any] | None) -> ListRecord:
    """The party's record on one list, with what its Sanction says (programs, reason, dates, status)."""
    s = sanction or {}
    status = _first(s, "status").lower()
    removed = status in ("removed", "delisted", "inactive", "ended")
    return party.listed(
        code,
        programs="; ".join(_props(s, "program")),
        citation="; ".join(_props(s, "reason")),
        start_date=_first(s, "startDate") or _first(s, "listingDate"),
        end_date=_first(s, "endDate"),
        license_requirement=" ".join(_props(s, "provisions")),
        license_policy=" ".join(_props(s, "summary")),
        source_url=_first(s, "sourceUrl") or _first(s, "programUrl"),
        remarks=" ".join(_props(s, "description")) or party.remarks,
        removed=removed,
        removed_date=(_first(s, "date") or _first(s, "endDate")) if removed else "",
    )
