"""The UN Security Council Consolidated List, XML as published (``CONSOLIDATED_LIST``, schema sc-sanctions.xsd).

Each ``INDIVIDUAL`` and ``ENTITY`` is one record on list ``UN``, keyed by its ``DATAID`` (``un:690768``), with the
regime (``UN_LIST_TYPE``) as its program, the reference number (``KPe.017``) as its citation, ``LISTED_ON`` as its
start date and the narrative (``COMMENTS1``) as its remarks. Aliases keep their quality ("Low" aliases are weak),
addresses their country as an ISO code (the UN writes country names), documents become identifiers, and a
person's dates and places of birth, nationality, gender and designation become facts.

The XML is parsed by the standard library's expat, which refuses entity-expansion bombs and never fetches
external entities; a broken file is one line naming it and the line.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from ..countries import country_code
from .reading import XmlRecords, plausible_date, xml_text
from .records import ListRecord, Reject

LIST_CODE = "UN"
ROOT = "CONSOLIDATED_LIST"
_KIND = {"INDIVIDUAL": "person", "ENTITY": "company"}
_ALIAS_KIND = {"good": "aka", "a.k.a.": "aka", "aka": "aka", "f.k.a.": "former", "fka": "former", "low": "weak"}
_REGISTRATION = re.compile(r"\b(?:company )?registration (?:number|no\.?)\s*:?\s*([A-Z0-9-]{4,})", re.I)


def _values(node: ET.Element, tag: str) -> list[str]:
    """The ``VALUE``s of a ``<TAG><VALUE>…</VALUE></TAG>`` list (nationality, designation, title)."""
    return [" ".join((v.text or "").split()) for t in node.findall(tag) for v in t.findall("VALUE") if (v.text or "").strip()]


def _address(node: ET.Element) -> tuple[str, str | None] | None:
    parts = [xml_text(node, t) for t in ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")]
    text = ", ".join(p for p in parts if p)
    country = xml_text(node, "COUNTRY")
    return (text, country_code(country)) if text else None


def _birth_date(node: ET.Element) -> str | None:
    date, year = xml_text(node, "DATE"), xml_text(node, "YEAR")
    if date and plausible_date(date[:10]):
        return date[:10]
    return year if re.fullmatch(r"\d{4}", year) else None


def _record(node: ET.Element, line: int) -> ListRecord | Reject:
    tag = node.tag
    dataid = xml_text(node, "DATAID")
    names = [xml_text(node, t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    name = " ".join(n for n in names if n)
    if not dataid.isdigit():
        return Reject(line, "DATAID", f"missing or not a number: {dataid!r}")
    if not name:
        return Reject(line, "FIRST_NAME", "missing")
    aliases: list[tuple[str, str]] = []
    for alias in node.findall(f"{tag}_ALIAS"):
        alias_name = xml_text(alias, "ALIAS_NAME")
        if alias_name and alias_name != name:
            aliases.append((alias_name, _ALIAS_KIND.get(xml_text(alias, "QUALITY").lower(), "aka")))
    if original := xml_text(node, "NAME_ORIGINAL_SCRIPT"):
        aliases.append((original, "aka"))
    addresses = [a for a in (_address(x) for x in node.findall(f"{tag}_ADDRESS")) if a]
    identifiers: list[tuple[str, str, str | None]] = []
    for doc in node.findall(f"{tag}_DOCUMENT"):
        number = xml_text(doc, "NUMBER")
        if number:
            country = xml_text(doc, "ISSUING_COUNTRY") or xml_text(doc, "COUNTRY_OF_ISSUE")
            identifiers.append((xml_text(doc, "TYPE_OF_DOCUMENT") or "Document", number, country_code(country) if country else None))
    if reference := xml_text(node, "REFERENCE_NUMBER"):  # the EU and the UK cite it on the entries they take from the UN
        identifiers.append(("UN Reference Number", reference, None))
    comments = xml_text(node, "COMMENTS1")
    for number in _REGISTRATION.findall(comments):  # "Hong Kong company registration number 1177053"
        identifiers.append(("Registration Number", number, next((c for _, c in addresses if c), None)))
    facts: list[tuple[str, str]] = []
    countries: set[str] = set()
    if tag == "INDIVIDUAL":
        for birth in node.findall("INDIVIDUAL_DATE_OF_BIRTH"):
            if born := _birth_date(birth):
                facts.append(("birth_date", born))
        for place in node.findall("INDIVIDUAL_PLACE_OF_BIRTH"):
            if where := ", ".join(p for p in (xml_text(place, "CITY"), xml_text(place, "STATE_PROVINCE"), xml_text(place, "COUNTRY")) if p):
                facts.append(("birth_place", where))
        for nationality in _values(node, "NATIONALITY"):
            if code := country_code(nationality):
                facts.append(("nationality", code))
                countries.add(code)
        if gender := xml_text(node, "GENDER"):
            facts.append(("gender", gender.lower()))
        facts += [("position", p) for p in _values(node, "DESIGNATION") + _values(node, "TITLE")]
    listed = xml_text(node, "LISTED_ON")[:10]
    return ListRecord(
        line=line,
        list=LIST_CODE,
        name=name,
        kind=_KIND[tag],
        key=f"un:{dataid}",
        aliases=aliases,
        addresses=addresses,
        identifiers=list(dict.fromkeys(identifiers)),
        countries=countries,
        programs=xml_text(node, "UN_LIST_TYPE"),
        citation=xml_text(node, "REFERENCE_NUMBER"),
        start_date=listed if plausible_date(listed) else "",
        remarks=comments,
        facts=list(dict.fromkeys(facts)),
    )


def generated(path: Path) -> str | None:
    """The date the list was generated (``dateGenerated`` of its root): the snapshot's date."""
    records = XmlRecords(path, ROOT, set(_KIND))
    for _ in records:
        break
    date = (records.root[1].get("dateGenerated") or "")[:10] if records.root else ""
    return date if plausible_date(date) else None


def read_un(path: Path) -> Iterator[ListRecord | Reject]:
    """Records of the UN consolidated list, one per individual and entity."""
    for node, line in XmlRecords(path, ROOT, set(_KIND)):
        yield _record(node, line)
