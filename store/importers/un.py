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
from xml.parsers import expat

from ..countries import country_code
from ..errors import ImportFailed
from .reading import open_input, plausible_date
from .records import ListRecord, Reject

LIST_CODE = "UN"
_KIND = {"INDIVIDUAL": "person", "ENTITY": "company"}
_ALIAS_KIND = {"good": "aka", "a.k.a.": "aka", "aka": "aka", "f.k.a.": "former", "fka": "former", "low": "weak"}
_REGISTRATION = re.compile(r"\b(?:company )?registration (?:number|no\.?)\s*:?\s*([A-Z0-9-]{4,})", re.I)


def _text(node: ET.Element | None, tag: str) -> str:
    found = node.find(tag) if node is not None else None
    return " ".join((found.text or "").split()) if found is not None else ""


def _values(node: ET.Element, tag: str) -> list[str]:
    """The ``VALUE``s of a ``<TAG><VALUE>…</VALUE></TAG>`` list (nationality, designation, title)."""
    return [" ".join((v.text or "").split()) for t in node.findall(tag) for v in t.findall("VALUE") if (v.text or "").strip()]


def _address(node: ET.Element) -> tuple[str, str | None] | None:
    parts = [_text(node, t) for t in ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")]
    text = ", ".join(p for p in parts if p)
    country = _text(node, "COUNTRY")
    return (text, country_code(country)) if text else None


def _birth_date(node: ET.Element) -> str | None:
    date, year = _text(node, "DATE"), _text(node, "YEAR")
    if date and plausible_date(date[:10]):
        return date[:10]
    return year if re.fullmatch(r"\d{4}", year) else None


def _record(node: ET.Element, line: int) -> ListRecord | Reject:
    tag = node.tag
    dataid = _text(node, "DATAID")
    names = [_text(node, t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    name = " ".join(n for n in names if n)
    if not dataid.isdigit():
        return Reject(line, "DATAID", f"missing or not a number: {dataid!r}")
    if not name:
        return Reject(line, "FIRST_NAME", "missing")
    aliases: list[tuple[str, str]] = []
    for alias in node.findall(f"{tag}_ALIAS"):
        alias_name = _text(alias, "ALIAS_NAME")
        if alias_name and alias_name != name:
            aliases.append((alias_name, _ALIAS_KIND.get(_text(alias, "QUALITY").lower(), "aka")))
    if original := _text(node, "NAME_ORIGINAL_SCRIPT"):
        aliases.append((original, "aka"))
    addresses = [a for a in (_address(x) for x in node.findall(f"{tag}_ADDRESS")) if a]
    identifiers: list[tuple[str, str, str | None]] = []
    for doc in node.findall(f"{tag}_DOCUMENT"):
        number = _text(doc, "NUMBER")
        if number:
            country = _text(doc, "ISSUING_COUNTRY") or _text(doc, "COUNTRY_OF_ISSUE")
            identifiers.append((_text(doc, "TYPE_OF_DOCUMENT") or "Document", number, country_code(country) if country else None))
    comments = _text(node, "COMMENTS1")
    for number in _REGISTRATION.findall(comments):  # "Hong Kong company registration number 1177053"
        identifiers.append(("Registration Number", number, next((c for _, c in addresses if c), None)))
    facts: list[tuple[str, str]] = []
    countries: set[str] = set()
    if tag == "INDIVIDUAL":
        for birth in node.findall("INDIVIDUAL_DATE_OF_BIRTH"):
            if born := _birth_date(birth):
                facts.append(("birth_date", born))
        for place in node.findall("INDIVIDUAL_PLACE_OF_BIRTH"):
            if where := ", ".join(p for p in (_text(place, "CITY"), _text(place, "STATE_PROVINCE"), _text(place, "COUNTRY")) if p):
                facts.append(("birth_place", where))
        for nationality in _values(node, "NATIONALITY"):
            if code := country_code(nationality):
                facts.append(("nationality", code))
                countries.add(code)
        if gender := _text(node, "GENDER"):
            facts.append(("gender", gender.lower()))
        facts += [("position", p) for p in _values(node, "DESIGNATION") + _values(node, "TITLE")]
    listed = _text(node, "LISTED_ON")[:10]
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
        programs=_text(node, "UN_LIST_TYPE"),
        citation=_text(node, "REFERENCE_NUMBER"),
        start_date=listed if plausible_date(listed) else "",
        remarks=comments,
        facts=list(dict.fromkeys(facts)),
    )


class _Records:
    """Builds each individual and entity as an element tree, with the line its start tag is on (expat, streamed)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._data
        self.parser.StartDoctypeDeclHandler = self._doctype  # no DTD, so no entities to expand or fetch
        self.builder: ET.TreeBuilder | None = None
        self.depth = 0
        self.root: tuple[str, dict[str, str]] | None = None
        self.done: list[tuple[ET.Element, int]] = []
        self.line = 0

    def _doctype(self, *_: object) -> None:
        raise ImportFailed(f"{self.path}:{self.parser.CurrentLineNumber}: a DOCTYPE declaration: refused (the UN list has none)")

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.root is None:
            self.root = (tag, attrs)
            if tag != "CONSOLIDATED_LIST":
                raise ImportFailed(f"{self.path}:{self.parser.CurrentLineNumber}: not a UN consolidated list (<{tag}>, expected <CONSOLIDATED_LIST>)")
        if self.builder is None and tag in _KIND:
            self.builder, self.line = ET.TreeBuilder(), self.parser.CurrentLineNumber
        if self.builder is not None:
            self.builder.start(tag, attrs)

    def _end(self, tag: str) -> None:
        self.depth -= 1
        if self.builder is not None:
            node = self.builder.end(tag)
            if tag in _KIND and node.tag == tag and self.depth == 2:
                self.done.append((self.builder.close(), self.line))
                self.builder = None

    def _data(self, text: str) -> None:
        if self.builder is not None:
            self.builder.data(text)

    def read(self) -> Iterator[tuple[ET.Element, int]]:
        """Each record and its line, in file order; the root's attributes are in ``root`` once the first is read."""
        with open_input(self.path) as stream:
            try:
                for chunk in iter(lambda: stream.read(1 << 16), b""):
                    self.parser.Parse(chunk, False)
                    yield from self.done
                    self.done.clear()
                self.parser.Parse(b"", True)
            except expat.ExpatError as exc:
                raise ImportFailed(f"{self.path}:{exc.lineno}: not well-formed XML ({expat.ErrorString(exc.code)})") from None
            yield from self.done
            self.done.clear()
        if self.root is None:
            raise ImportFailed(f"{self.path}:1: empty: no <CONSOLIDATED_LIST>")


def generated(path: Path) -> str | None:
    """The date the list was generated (``dateGenerated`` of its root): the snapshot's date."""
    records = _Records(path)
    for _ in records.read():
        break
    date = (records.root[1].get("dateGenerated") or "")[:10] if records.root else ""
    return date if plausible_date(date) else None


def read_un(path: Path) -> Iterator[ListRecord | Reject]:
    """Records of the UN consolidated list, one per individual and entity."""
    for node, line in _Records(path).read():
        yield _record(node, line)
