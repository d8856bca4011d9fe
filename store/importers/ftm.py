"""FollowTheMoney entities (JSON lines, the OpenSanctions format) in: companies, people, their sanctions.

Read: Company, Organization, LegalEntity, Person, Vessel, Airplane (the parties), Sanction (a listing:
which list, program, citation, dates, license text, status), Address (``addressEntity``),
Identification (``holder``), and links between parties (Ownership, Directorship, UnknownLink,
Associate, Family, Representation, Membership, Employment). A party with no Sanction is listed under
its first dataset. Written by :mod:`store.ftm` in the same shape, so an export imports back whole.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..countries import code_for
from ..errors import ImportFailed
from .csl import LIST_NAMES
from .reading import json_lines, read_text
from .records import ListRecord, Reject

PARTIES = {"Company": "company", "Organization": "company", "LegalEntity": "other", "Person": "person", "Vessel": "vessel",
           "Airplane": "aircraft"}
LINKS = {"Ownership": ("owner", "asset", "owned by"), "Directorship": ("director", "organization", "director of"),
         "UnknownLink": ("subject", "object", "linked to"), "Associate": ("person", "associate", "associate of"),
         "Family": ("person", "relative", "family of"), "Representation": ("agent", "client", "represents"),
         "Membership": ("member", "organization", "member of"), "Employment": ("employee", "employer", "employed by")}
# Identifier properties of parties, as FtM names them → the kind shown in the store.
ID_PROPS = {"registrationNumber": "Registration Number", "taxNumber": "Tax ID No.", "idNumber": "Identification Number",
            "innCode": "Tax ID No.", "ogrnCode": "Registration Number", "leiCode": "Legal Entity Number",
            "swiftBic": "SWIFT/BIC", "imoNumber": "IMO", "passportNumber": "Passport", "website": "Website",
            "email": "Email Address", "phone": "Phone Number"}
# OpenSanctions dataset ids → list codes (others: the dataset id, upper-cased).
DATASETS = {"us_ofac_sdn": "SDN", "us_ofac_cons": "CONS", "us_bis_denied": "DPL", "us_bis_entity": "EL", "us_bis_el": "EL",
            "us_trade_csl": "CSL", "us_state_isn": "ISN", "us_ddtc_debarred": "DTC"}


def _props(entity: dict[str, Any], name: str) -> list[str]:
    values = (entity.get("properties") or {}).get(name) or []
    values = values if isinstance(values, list) else [values]
    return [str(v).strip() for v in values if v is not None and str(v).strip()]


def _first(entity: dict[str, Any], name: str) -> str:
    values = _props(entity, name)
    return values[0] if values else ""


def _list_code(sanction: dict[str, Any] | None, party: dict[str, Any]) -> str:
    """Which list a listing belongs to: our code when written by us, else the authority or the dataset."""
    if sanction is not None:
        if (code := _first(sanction, "programId")) in LIST_NAMES:
            return code
        authority = " ".join(_props(sanction, "authority")).lower()
        for words, code in (("industry and security", "EL"), ("foreign assets control", "SDN"), ("nonproliferation", "ISN")):
            if words in authority:
                return code
    datasets = [str(d) for d in (party.get("datasets") or []) if d]
    if datasets:
        return DATASETS.get(datasets[0], datasets[0].upper()[:20])
    return "FTM"


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
    if not isinstance(item.get("datasets", []), list):
        return "datasets", "datasets must be a list of names"
    return None


def read_ftm(path: Path) -> Iterator[ListRecord | Reject]:
    """Records of a FollowTheMoney JSON-lines file (one entity per line)."""
    entities: dict[str, dict[str, Any]] = {}
    lines: dict[str, int] = {}
    rejects: list[Reject] = []
    for number, item in json_lines(path, read_text(path)):
        if problem := _shape_problem(item):
            rejects.append(Reject(number, problem[0], problem[1], json.dumps(item, ensure_ascii=False)[:500]))
            continue
        entities[str(item["id"])] = item
        lines[str(item["id"])] = number
    if not entities and not rejects:
        raise ImportFailed(f"{path}: no entities")
    sanctions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    ids: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
    links: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for item in entities.values():
        schema = item["schema"]
        if schema == "Sanction":
            for holder in _props(item, "entity"):
                sanctions[holder].append(item)
        elif schema == "Identification":
            for holder in _props(item, "holder"):
                ids[holder].append((_first(item, "type") or "Identification", _first(item, "number"), code_for(_first(item, "country"))))
        elif schema in LINKS:
            source, target, label = LINKS[schema]
            for a in _props(item, source):
                for b in _props(item, target) or [""]:  # a link to a party not in the file keeps its description
                    other = entities.get(b)
                    name = _first(other, "name") if other else b
                    if detail := _first(item, "description") or name:
                        links[a].append((_first(item, "role") or label, detail, b if other else ""))
    yield from rejects
    for key, party in entities.items():
        kind = PARTIES.get(party["schema"])
        if kind is None:
            continue
        names = _props(party, "name")
        if not names:
            yield Reject(lines[key], "name", f"{party['schema']} {key} has no name")
            continue
        addresses = []
        for ref in _props(party, "addressEntity"):
            address = entities.get(ref)
            if address is not None and (full := _first(address, "full")):
                addresses.append((full, code_for(_first(address, "country")) or None))
        addresses += [(a, None) for a in _props(party, "address") if a not in {x for x, _ in addresses}]
        countries = {c for p in ("country", "jurisdiction", "nationality", "citizenship") for v in _props(party, p) if (c := code_for(v))}
        identifiers = list(ids.get(key, []))
        for prop, label in ID_PROPS.items():
            identifiers += [(label, v, None) for v in _props(party, prop)]
        aliases = [(n, "primary") for n in names[1:]]  # several names: the lists gave the party more than one own name
        aliases += [(n, "aka") for n in _props(party, "alias") + _props(party, "weakAlias")]
        aliases += [(n, "former") for n in _props(party, "previousName")]
        for sanction in sanctions.get(key) or [None]:
            s = sanction or {}
            status = _first(s, "status").lower() if sanction else ""
            yield ListRecord(
                line=lines[key], list=_list_code(sanction, party), name=names[0], kind=kind, key=key, aliases=aliases,
                addresses=addresses, identifiers=[(k, v, c) for k, v, c in identifiers if v], countries=countries,
                programs="; ".join(_props(s, "program")), citation="; ".join(_props(s, "reason")),
                start_date=_first(s, "startDate") or _first(s, "listingDate"), end_date=_first(s, "endDate"),
                license_requirement=" ".join(_props(s, "provisions")), license_policy=" ".join(_props(s, "summary")),
                source_url=_first(s, "sourceUrl"), remarks=" ".join(_props(s, "description")) or " ".join(_props(party, "notes")),
                linked_to=[detail for _, detail, _ in links.get(key, [])],
                link_keys={detail: target for _, detail, target in links.get(key, []) if target},
                removed=status == "removed", removed_date=_first(s, "date") if status == "removed" else "",
            )
