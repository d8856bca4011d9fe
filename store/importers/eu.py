"""The EU Financial Sanctions Files (FSF): the consolidated list of persons, groups and entities subject to EU financial
sanctions, XML as the Commission publishes it (``export`` → ``sanctionEntity``, namespace http://eu.europa.ec/fpi/fsd/export).

Each ``sanctionEntity`` is one record on list ``EU``, keyed by its EU reference number (``eu:EU.1234.56``; its logical id
when it has none). Its listing keeps the regime (``regulation/@programme``), the legal acts (``numberTitle``, the first
act's ``publicationUrl``), the designation date and the reasons (``remark``, ``designationDetails``). Names keep their
strength (a name that is not ``strong`` is weak), addresses their ISO country, identification documents become
identifiers (the UN reference too, so the same party on the UN list meets it), and a person's birth dates and places,
citizenships, gender and function become facts.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from ..countries import country_code
from .reading import XmlRecords, plausible_date
from .records import ListRecord, Reject

LIST_CODE = "EU"
ROOT = "export"
_KIND = {"person": "person", "enterprise": "company", "vessel": "vessel", "aircraft": "aircraft"}
_UNKNOWN = {"", "00", "UNKNOWN"}


def _attr(node: ET.Element, name: str) -> str:
    return " ".join((node.get(name) or "").split())


def _country(node: ET.Element) -> str | None:
    """The ISO code of a node's country: its ``countryIso2Code``, else its ``countryDescription`` as a name."""
    code = _attr(node, "countryIso2Code").upper()
    if code not in _UNKNOWN and len(code) == 2:
        return "RS" if code == "CS" else code
    description = _attr(node, "countryDescription")
    return country_code(description) if description not in _UNKNOWN else None


def _place(node: ET.Element, *fields: str) -> str:
    parts = [_attr(node, f) for f in fields]
    description = _attr(node, "countryDescription")
    return ", ".join(p for p in [*parts, "" if description in _UNKNOWN else description.title()] if p)


def _record(entry: ET.Element, line: int) -> ListRecord | Reject:
    reference, logical = _attr(entry, "euReferenceNumber"), _attr(entry, "logicalId")
    if not reference and not logical:
        return Reject(line, "euReferenceNumber", "missing (and no logicalId)")
    names = [
        (n, _attr(n, "wholeName") or " ".join(p for p in (_attr(n, "firstName"), _attr(n, "middleName"), _attr(n, "lastName")) if p))
        for n in entry.findall("nameAlias")
    ]
    names = [(n, text) for n, text in names if text]
    if not names:
        return Reject(line, "nameAlias", "no name")
    strong = [text for n, text in names if _attr(n, "strong").lower() == "true"]
    name = strong[0] if strong else names[0][1]
    aliases = [(text, "aka" if _attr(n, "strong").lower() == "true" else "weak") for n, text in names if text != name]
    subject = entry.find("subjectType")
    kind = _KIND.get(_attr(subject, "code").lower(), "other") if subject is not None else "other"
    regulations = entry.findall("regulation")
    programmes = list(dict.fromkeys(_attr(r, "programme") for r in regulations if _attr(r, "programme")))
    acts = list(dict.fromkeys(_attr(r, "numberTitle") for r in regulations if _attr(r, "numberTitle")))
    dates = [d for d in [_attr(entry, "designationDate"), *(_attr(r, "entryIntoForceDate") for r in regulations)] if plausible_date(d[:10])]
    urls = [(r.findtext("publicationUrl") or "").strip() for r in regulations]
    addresses = [(text, _country(a)) for a in entry.findall("address") if (text := _place(a, "street", "poBox", "city", "zipCode", "place", "region"))]
    identifiers: list[tuple[str, str, str | None]] = [
        (_attr(i, "identificationTypeDescription") or _attr(i, "identificationTypeCode") or "Document", number, _country(i))
        for i in entry.findall("identification")
        if (number := _attr(i, "number") or _attr(i, "latinNumber"))
    ]
    if un := _attr(entry, "unitedNationId"):
        identifiers.append(("UN Reference Number", un, None))
    facts: list[tuple[str, str]] = []
    countries: set[str] = set()
    if kind == "person":
        for birth in entry.findall("birthdate"):
            born = _attr(birth, "birthdate") or _attr(birth, "year")
            if born and (plausible_date(born[:10]) or (born.isdigit() and len(born) == 4)):
                facts.append(("birth_date", born[:10]))
            if where := _place(birth, "city", "place", "region"):
                facts.append(("birth_place", where))
        for citizenship in entry.findall("citizenship"):
            if code := _country(citizenship):
                facts.append(("nationality", code))
                countries.add(code)
        for n, _ in names:
            if gender := {"M": "male", "F": "female"}.get(_attr(n, "gender").upper()):
                facts.append(("gender", gender))
            if function := _attr(n, "function"):
                facts.append(("position", function))
    remarks = [" ".join((r.text or "").split()) for r in entry.findall("remark")] + [_attr(entry, "designationDetails")]
    return ListRecord(
        line=line,
        list=LIST_CODE,
        name=name,
        kind=kind,
        key=f"eu:{reference or logical}",
        aliases=list(dict.fromkeys(aliases)),
        addresses=addresses,
        identifiers=list(dict.fromkeys(identifiers)),
        countries=countries,
        programs="; ".join(programmes),
        citation="; ".join([reference, *acts] if reference else acts),
        start_date=min(d[:10] for d in dates) if dates else "",
        source_url=next((u for u in urls if u), ""),
        remarks=" ".join(r for r in remarks if r),
        facts=list(dict.fromkeys(facts)),
    )


def generated(path: Path) -> str | None:
    """The file's date (``generationDate`` of its root)."""
    records = XmlRecords(path, ROOT, {"sanctionEntity"})
    for _ in records:
        break
    date = (records.root[1].get("generationDate") or "")[:10] if records.root else ""
    return date if plausible_date(date) else None


def read_eu(path: Path) -> Iterator[ListRecord | Reject]:
    """Records of the EU consolidated financial sanctions list, one per sanctioned person, group or entity."""
    for node, line in XmlRecords(path, ROOT, {"sanctionEntity"}):
        yield _record(node, line)
