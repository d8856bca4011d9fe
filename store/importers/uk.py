"""The UK Sanctions List (FCDO), XML as published (``Designations`` → ``Designation``): every UK designation, with the
regime, the date designated, the UK statement of reasons and the sanctions imposed.

Each ``Designation`` is one record on list ``UK``, keyed by its unique id (``uk:RUS0251``). Names keep their type
(a primary name variation or an alias is an alias; non-Latin names too), addresses their country (the UK writes country
names), and a person's dates and places of birth, nationalities and positions become facts; phone numbers, e-mails,
websites, IMO numbers and business registration numbers become identifiers, and the UN reference number too.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from ..countries import country_code
from .reading import XmlRecords, plausible_date, xml_text
from .records import ListRecord, Reject

LIST_CODE = "UK"
ROOT = "Designations"
_KIND = {"individual": "person", "entity": "company", "ship": "vessel"}
_DMY = re.compile(r"^(\d\d)/(\d\d)/(\d{4})$")


def uk_date(text: str) -> str:
    """dd/mm/yyyy (the UK's form) or ISO → ISO; "" when it is neither or not a real date (dd/mm/1952 stays out)."""
    text = text.strip()
    if m := _DMY.match(text):
        text = f"{m[3]}-{m[2]}-{m[1]}"
    return text[:10] if plausible_date(text[:10]) else ""


def _texts(node: ET.Element, path: str) -> list[str]:
    return [" ".join((n.text or "").split()) for n in node.findall(path) if (n.text or "").strip()]


def _record(node: ET.Element, line: int) -> ListRecord | Reject:
    unique = xml_text(node, "UniqueID")
    if not unique:
        return Reject(line, "UniqueID", "missing")
    primary, aliases = "", []
    for name in node.findall("Names/Name"):
        parts = [xml_text(name, f"Name{i}") for i in (1, 2, 3, 4, 5, 6)]
        full = xml_text(name, "Name") or " ".join(p for p in parts if p)
        if not full:
            continue
        if not primary and xml_text(name, "NameType").lower() == "primary name":
            primary = full
        else:
            aliases.append((full, "aka"))
    aliases += [(n, "aka") for n in _texts(node, "NonLatinNames/NonLatinName/NameNonLatinScript") + _texts(node, "NonLatinNames/NameNonLatinScript")]
    if not primary and aliases:
        primary = aliases.pop(0)[0]
    if not primary:
        return Reject(line, "Names", "no name")
    kind = _KIND.get(xml_text(node, "IndividualEntityShip").lower(), "other")
    addresses = []
    for address in node.findall("Addresses/Address"):
        country = xml_text(address, "AddressCountry")
        parts = [xml_text(address, f"AddressLine{i}") for i in range(1, 7)] + [xml_text(address, "AddressPostalCode"), country]
        if text := ", ".join(p for p in parts if p):
            addresses.append((text, country_code(country) if country else None))
    identifiers: list[tuple[str, str, str | None]] = []
    for kind_name, path in (
        ("Phone Number", "PhoneNumbers/PhoneNumber"),
        ("Email Address", "EmailAddresses/EmailAddress"),
        ("Website", "Websites/Website"),
        ("IMO Number", ".//IMONumbers/IMONumber"),
        ("Business Registration Number", ".//BusinessRegistrationNumbers/BusinessRegistrationNumber"),
        ("UN Reference Number", "UNReferenceNumber"),
    ):
        identifiers += [(kind_name, value, None) for value in _texts(node, path)]
    facts: list[tuple[str, str]] = []
    countries: set[str] = set()
    for person in node.findall("IndividualDetails/Individual"):
        facts += [("birth_date", d) for d in map(uk_date, _texts(person, "DOBs/DOB")) if d]
        for place in person.findall("BirthDetails/Location"):
            if where := ", ".join(p for p in (xml_text(place, "TownOfBirth"), xml_text(place, "CountryOfBirth")) if p):
                facts.append(("birth_place", where))
        for nationality in _texts(person, "Nationalities/Nationality"):
            if code := country_code(nationality):
                facts.append(("nationality", code))
                countries.add(code)
        facts += [("position", p) for p in _texts(person, "Positions/Position")]
        facts += [("gender", g.lower()) for g in _texts(person, "Genders/Gender")]
    imposed = xml_text(node, "SanctionsImposed").replace("|", ", ")
    reasons = [xml_text(node, "UKStatementofReasons"), xml_text(node, "OtherInformation"), f"Sanctions imposed: {imposed}." if imposed else ""]
    return ListRecord(
        line=line,
        list=LIST_CODE,
        name=primary,
        kind=kind,
        key=f"uk:{unique}",
        aliases=list(dict.fromkeys(a for a in aliases if a[0] != primary)),
        addresses=addresses,
        identifiers=list(dict.fromkeys(identifiers)),
        countries=countries,
        programs=xml_text(node, "RegimeName"),
        citation=unique,
        start_date=uk_date(xml_text(node, "DateDesignated")),
        remarks=" ".join(r for r in reasons if r),
        facts=list(dict.fromkeys(facts)),
    )


def generated(path: Path) -> str | None:
    """The file's date (``DateGenerated``)."""
    for node, _ in XmlRecords(path, ROOT, {"DateGenerated"}):
        return uk_date((node.text or "")[:10]) or None
    return None


def read_uk(path: Path) -> Iterator[ListRecord | Reject]:
    """Records of the UK Sanctions List, one per designation."""
    for node, line in XmlRecords(path, ROOT, {"Designation"}):
        yield _record(node, line)
