"""OFAC legacy delimited files: ``sdn.csv`` and the non-SDN ``cons_prim/alt/add/comments.csv``."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from ..countries import address_country, code_for
from ..errors import ImportFailed
from .reading import MAX_ITEM, csv_rows, linked_to
from .records import ListRecord, Reject

COLUMNS = ["ent_num", "SDN_Name", "SDN_Type", "Program", "Title", "Call_Sign", "Vess_type", "Tonnage", "GRT", "Vess_flag", "Vess_owner", "Remarks"]
KINDS = {"individual": "person", "vessel": "vessel", "aircraft": "aircraft", "": "company"}
_ALIAS = re.compile(r"\b([afn])\.k\.a\.,?\s*'([^']+)'")
_ID = re.compile(
    r"^(?P<kind>(?:[A-Z][\w.'/-]*\s){0,5}?(?:Number|ID No\.|No\.|ID|Code|Identification))\s+"
    r"(?P<value>[^()]+?)\s*(?:\((?P<country>[^)]+)\))?\.?$"
)
_CONTACT = re.compile(r"^(?P<kind>Website|Email Address|Phone Number|Telephone|Fax)\s+(?P<value>\S.*?)\.?$")
_NATION = re.compile(r"^(?:nationality|Nationality of Registration|Citizen|citizen)\s+(?P<c>[A-Za-z ,]+?)\.?$")


_DOB = re.compile(r"^(?:alt\. )?DOB (?:circa )?(?:(?P<d>\d{1,2}) )?(?:(?P<m>[A-Z][a-z]{2}) )?(?P<y>\d{4})$")
_POB = re.compile(r"^(?:alt\. )?POB (?P<p>.+?)\.?$")
_GENDER = re.compile(r"^Gender (?P<g>Male|Female)$")
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}


def iso_date(day: str | None, month: str | None, year: str) -> str | None:
    """A date as FollowTheMoney writes a date known in part: "1970", "1970-01" or "1970-01-12" (None if impossible)."""
    if month and month not in _MONTHS:
        return None
    if not month:
        return None if day else year
    text = f"{year}-{_MONTHS[month]:02d}"
    if not day:
        return text
    try:
        return dt.date(int(year), _MONTHS[month], int(day)).isoformat()
    except ValueError:
        return None


def person_facts(remarks: str, title: str = "") -> list[tuple[str, str]]:
    """Birth dates and places, gender and nationality written in OFAC remarks, and the position in the title column."""
    facts: list[tuple[str, str]] = [("position", title)] if title else []
    for item in (p.strip() for p in remarks.split(";")):
        if len(item) > MAX_ITEM:
            continue
        if (m := _DOB.match(item)) and (date := iso_date(m["d"], m["m"], m["y"])):
            facts.append(("birth_date", date))
        elif m := _POB.match(item):
            facts.append(("birth_place", m["p"].strip()))
        elif m := _GENDER.match(item):
            facts.append(("gender", m["g"].lower()))
        elif (m := _NATION.match(item)) and item.lower().startswith("nationality ") and (code := code_for(m["c"])):
            facts.append(("nationality", code))
    return list(dict.fromkeys(facts))


def _empty(value: str) -> str:
    value = value.strip()
    return "" if value == "-0-" else value


def parse_remarks(remarks: str) -> tuple[list[tuple[str, str]], list[tuple[str, str, str | None]], set[str], list[str]]:
    """Aliases, identifiers, countries and "Linked To" names written inside OFAC remarks."""
    aliases = [(name.strip(), "former" if kind == "f" else "aka") for kind, name in _ALIAS.findall(remarks)]
    ids: list[tuple[str, str, str | None]] = []
    countries: set[str] = set()
    for item in (p.strip() for p in remarks.split(";")):
        if len(item) > MAX_ITEM:  # prose, not an identifier: keep the patterns below linear in practice
            continue
        if m := _CONTACT.match(item):
            ids.append((m["kind"], m["value"], None))
        elif m := _ID.match(item):
            country = code_for(m["country"]) if m["country"] else None
            ids.append((m["kind"], m["value"].strip(), country))
            if country:
                countries.add(country)
        elif (m := _NATION.match(item)) and (code := code_for(m["c"])):
            countries.add(code)
    return aliases, ids, countries, linked_to(remarks)


def _record(line: int, row: list[str], list_code: str) -> ListRecord | Reject:
    if len(row) < 2:
        return Reject(line, "SDN_Name", f"expected {len(COLUMNS)} columns, found {len(row)}", ",".join(row)[:500])
    row = row + [""] * (len(COLUMNS) - len(row))
    ent_num, name = _empty(row[0]), _empty(row[1])
    if not ent_num.isdigit():
        return Reject(line, "ent_num", f"not an entity number: {row[0]!r}", ",".join(row)[:500])
    if not name:
        return Reject(line, "SDN_Name", "empty name", ",".join(row)[:500])
    remarks = _empty(row[11])
    aliases, ids, countries, linked = parse_remarks(remarks)
    kind = KINDS.get(_empty(row[2]).lower(), "other")
    vessel_flag = _empty(row[9])
    if vessel_flag and (code := code_for(vessel_flag)):
        countries.add(code)
    return ListRecord(
        line=line,
        list=list_code,
        name=name,
        kind=kind,
        key=f"ofac:{ent_num}",
        aliases=aliases,
        identifiers=ids,
        countries=countries,
        programs="; ".join(p.strip() for p in _empty(row[3]).strip("[]").split("] [") if p.strip()),
        remarks=remarks,
        linked_to=linked,
        has_addresses=False,
        partial=True,
        source_url="https://sanctionslist.ofac.treas.gov/",
        facts=person_facts(remarks, _empty(row[4])) if kind == "person" else [],
    )


def read_sdn(path: Path) -> Iterator[ListRecord | Reject]:
    """Records of the legacy ``sdn.csv`` (no header, ``-0-`` for empty)."""
    for line, row in csv_rows(path, header=False):
        yield _record(line, row, "SDN")


def cons_list(programs: str, remarks: str) -> str:
    """Which non-SDN list a consolidated entry is on, from its programs and remarks."""
    if "CMIC" in programs:
        return "CMIC"
    if "PLC" in programs:
        return "PLC"
    if "FSE" in programs:
        return "FSE"
    if "561" in programs:
        return "CAP"
    if "Directive" in remarks and ("UKRAINE-EO13662" in programs or "RUSSIA-EO14024" in programs):
        return "SSI"
    return "MBS"


def cons_files(path: Path) -> dict[str, Path]:
    """The four files of a non-SDN set, given the folder or any one of them."""
    folder = path if path.is_dir() else path.parent
    files = {part: folder / f"cons_{part}.csv" for part in ("prim", "alt", "add", "comments")}
    if not files["prim"].exists():
        raise ImportFailed(f"{files['prim']}: missing (a non-SDN import needs cons_prim.csv)")
    return {k: v for k, v in files.items() if v.exists()}


def read_cons(path: Path) -> Iterator[ListRecord | Reject]:
    """Records of the non-SDN consolidated list, joining prim/alt/add/comments on ent_num."""
    files = cons_files(path)
    extra_remarks: dict[str, str] = {}
    for _, row in csv_rows(files["comments"], header=False) if "comments" in files else []:
        extra_remarks[row[0].strip()] = extra_remarks.get(row[0].strip(), "") + "".join(row[1:])
    aliases: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for _, row in csv_rows(files["alt"], header=False) if "alt" in files else []:
        if len(row) >= 4 and _empty(row[3]):
            aliases[row[0].strip()].append((_empty(row[3]), "former" if _empty(row[2]) == "fka" else "aka"))
    addresses: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for _, row in csv_rows(files["add"], header=False) if "add" in files else []:
        row = row + [""] * (6 - len(row))
        parts = [_empty(p) for p in row[2:5]]
        text = ", ".join(p for p in parts if p)
        if text:
            addresses[row[0].strip()].append((text, address_country(text, code_for(parts[2]) if parts[2] else None)))
    for line, row in csv_rows(files["prim"], header=False):
        row = [*row, *[""] * (len(COLUMNS) - len(row))]
        ent = row[0].strip()
        remarks = _empty(row[11]) + extra_remarks.get(ent, "")
        row[11] = remarks
        rec = _record(line, row, cons_list(row[3], remarks))
        if isinstance(rec, ListRecord):
            rec.aliases += [a for a in aliases.get(ent, []) if a not in rec.aliases]
            rec.addresses = addresses.get(ent, [])
            rec.has_addresses = True
            rec.partial = False
        yield rec
