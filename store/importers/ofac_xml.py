"""OFAC's Enhanced XML (Sanctions List Service): the SDN list and the Consolidated (non-SDN) list in one schema.

Each ``<entity>`` is one party, keyed by OFAC's own number (``ofac:9639``, the same key as the legacy CSV files),
and one record per list it is on (SDN, SSI, CMIC, …: ``sanctionsList``, with the date it was published there).
What the legacy files drop is kept: every name and its quality, addresses with their ISO country, identity documents
(registration, tax and USCC numbers) as identifiers, features (birth dates and places, nationalities, websites,
e-mails, SWIFT codes) as facts and identifiers, and relationships (owned or controlled by, acting for) as typed
relations to the other party by its key.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from ..countries import country_code
from ..errors import ImportFailed
from ..lists import OFAC_LISTS
from .reading import XmlRecords, plausible_date, xml_text
from .records import ListRecord, Reject, Relation

ROOT = "sanctionsData"
_KIND = {"individual": "person", "entity": "company", "vessel": "vessel", "aircraft": "aircraft"}
_ALIAS = {"a.k.a.": "aka", "f.k.a.": "former", "n.k.a.": "aka"}
# Relationship types → relation kinds, from the side of the entity that carries it (see queries.INVERSE).
RELATIONS = {
    "owned or controlled by": "owned by",
    "owns, controls, or operates": "owner of",
    "acting for or on behalf of": "represents",
    "associate of": "associate of",
    "family member of": "family of",
    "leader or official of": "director of",
    "principal executive officer": "director of",
}
# Features kept as identifiers (the kinds the store links entities by, as OFAC's legacy remarks name them).
_ID_FEATURES = {"Website", "Email Address", "Phone Number", "SWIFT/BIC", "ISIN", "BIK (RU)", "Equity Ticker", "Vessel Registration Identification"}


class _Refs:
    """OFAC's reference values (countries with their ISO codes), read from the head of the file."""

    def __init__(self) -> None:
        self.iso: dict[str, str] = {}

    def add(self, node: ET.Element) -> None:
        if xml_text(node, "type") == "COUNTRY" and (code := xml_text(node, "isoCode")):
            self.iso[node.get("refId", "")] = code

    def country(self, node: ET.Element | None) -> str | None:
        """The ISO code of a ``<country refId=…>`` (or a feature's ``valueRefId``), else of its name."""
        if node is None:
            return None
        code = self.iso.get(node.get("refId", "")) or self.iso.get(xml_text(node, "valueRefId"))
        name = (node.text or "").strip() if node.tag in ("country", "issuingCountry") else xml_text(node, "value")
        return code if code and len(code) == 2 else country_code(name) if name else None


def _names(entity: ET.Element) -> tuple[str, list[tuple[str, str]]]:
    primary, aliases = "", []
    for name in entity.findall("names/name"):
        kind = "weak" if xml_text(name, "isLowQuality") == "true" else _ALIAS.get(xml_text(name, "aliasType").lower(), "aka")
        for translation in name.findall("translations/translation"):
            full = xml_text(translation, "formattedFullName") or " ".join(
                xml_text(p, "value") for p in translation.findall("nameParts/namePart") if xml_text(p, "value")
            )
            if not full:
                continue
            if not primary and xml_text(name, "isPrimary") == "true" and xml_text(translation, "isPrimary") == "true":
                primary = full
            else:
                aliases.append((full, kind if xml_text(name, "isPrimary") != "true" else "aka"))
    return primary, [(n, k) for n, k in dict.fromkeys(aliases) if n != primary]


def _addresses(entity: ET.Element, refs: _Refs) -> list[tuple[str, str | None]]:
    out = []
    for address in entity.findall("addresses/address"):
        country_node = address.find("country")
        parts = [xml_text(p, "value") for p in address.findall("translations/translation/addressParts/addressPart")]
        country = (country_node.text or "").strip() if country_node is not None else ""
        text = ", ".join(p for p in [*parts, country] if p)
        if text:
            out.append((text, refs.country(country_node)))
    return out


def _features(entity: ET.Element, refs: _Refs, person: bool) -> tuple[list[tuple[str, str]], list[tuple[str, str, str | None]], set[str]]:
    facts: list[tuple[str, str]] = []
    identifiers: list[tuple[str, str, str | None]] = []
    countries: set[str] = set()
    for feature in entity.findall("features/feature"):
        kind, value = xml_text(feature, "type"), xml_text(feature, "value")
        if not value:
            continue
        if kind == "Birthdate" and person:
            begin = xml_text(feature, "valueDate/fromDateBegin")
            end = xml_text(feature, "valueDate/toDateEnd")
            exact = begin if begin and begin == end and plausible_date(begin) else ""
            facts.append(("birth_date", exact or (value if value[:4].isdigit() and len(value) == 4 else begin[:4] if begin else value)))
        elif kind == "Place of Birth" and person:
            facts.append(("birth_place", value))
        elif kind in ("Nationality Country", "Citizenship Country", "Nationality of Registration"):
            if code := refs.country(feature):
                facts.append(("citizenship" if kind.startswith("Citizenship") else "nationality", code))
                countries.add(code)
        elif kind == "Gender" and person:
            facts.append(("gender", value.lower()))
        elif kind in _ID_FEATURES:
            identifiers.append((kind, value, None))
    return facts, identifiers, countries


def _record(entity: ET.Element, line: int, refs: _Refs) -> Iterator[ListRecord | Reject]:
    number = entity.get("id", "")
    if not number.isdigit():
        yield Reject(line, "entity id", f"missing or not a number: {number!r}")
        return
    name, aliases = _names(entity)
    if not name:
        yield Reject(line, "names", "no primary name")
        return
    kind = _KIND.get(xml_text(entity, "generalInfo/entityType").lower(), "other")
    facts, feature_ids, countries = _features(entity, refs, kind == "person")
    identifiers = [
        (xml_text(doc, "type") or "Document", xml_text(doc, "documentNumber"), refs.country(doc.find("issuingCountry")))
        for doc in entity.findall("identityDocuments/identityDocument")
        if xml_text(doc, "documentNumber")
    ] + feature_ids
    relations = [
        Relation(RELATIONS.get(xml_text(r, "type").lower(), "linked to"), xml_text(r, "relatedEntity"), f"ofac:{target}")
        for r in entity.findall("relationships/relationship")
        if (target := (r.find("relatedEntity").get("entityId", "") if r.find("relatedEntity") is not None else "")).isdigit()  # type: ignore[union-attr]
    ]
    base = ListRecord(
        line=line,
        list="",
        name=name,
        kind=kind,
        key=f"ofac:{number}",
        aliases=aliases,
        addresses=_addresses(entity, refs),
        identifiers=list(dict.fromkeys(identifiers)),
        countries=countries,
        programs="; ".join(xml_text(p, ".") for p in entity.findall("sanctionsPrograms/sanctionsProgram")),
        citation="; ".join(xml_text(a, ".") for a in entity.findall("legalAuthorities/legalAuthority")),
        remarks=xml_text(entity, "remarks"),
        relations=relations,
        facts=list(dict.fromkeys(facts)),
    )
    lists = [(OFAC_LISTS.get(xml_text(s, ".")), s.get("datePublished", "")[:10]) for s in entity.findall("sanctionsLists/sanctionsList")]
    found = [(code, date) for code, date in lists if code]
    if not found:
        yield Reject(
            line,
            "sanctionsLists",
            f"on no list this store knows: {', '.join(xml_text(s, '.') for s in entity.findall('sanctionsLists/sanctionsList'))}",
        )
        return
    for code, date in found:
        yield base.listed(code, start_date=date if plausible_date(date) else "")


def as_of(path: Path) -> str | None:
    """The list's date as the file gives it (``publicationInfo/dataAsOf``)."""
    for node, _ in XmlRecords(path, ROOT, {"publicationInfo"}):
        date = xml_text(node, "dataAsOf")[:10]
        return date if plausible_date(date) else None
    return None


def read_ofac_xml(path: Path) -> Iterator[ListRecord | Reject]:
    """Records of an OFAC Enhanced XML file (SDN or Consolidated), one per party and list."""
    refs = _Refs()
    seen = 0
    for node, line in XmlRecords(path, ROOT, {"referenceValue", "entity"}):
        if node.tag == "referenceValue":
            refs.add(node)
        else:
            seen += 1
            yield from _record(node, line, refs)
    if not seen:
        raise ImportFailed(f"{path}: no <entity> in it")
