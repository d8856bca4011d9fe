"""trade.gov Consolidated Screening List: the CSV (and the 2025 Entity List extract) and the JSON API shape."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from pathlib import Path
from sys import intern

from ..countries import address_country, code_for
from ..errors import ImportFailed
from ..lists import TREASURY
from .reading import csv_rows, linked_to, read_text, require_columns, split_multi
from .records import ListRecord, Reject

# CSL "source" values → our list codes (matched on the code in parentheses).
LIST_CODES = {
    "EL": "EL",
    "MEU": "MEU",
    "UVL": "UVL",
    "DPL": "DPL",
    "SDN": "SDN",
    "CMIC": "CMIC",
    "ISN": "ISN",
    "DTC": "DTC",
    "SSI": "SSI",
    "PLC": "PLC",
    "CAP": "CAP",
    "NS-MBS LIST": "MBS",
    "NS-MBS": "MBS",
    "FSE": "FSE",
}
KINDS = {"individual": "person", "entity": "company", "vessel": "vessel", "aircraft": "aircraft"}
_ORG_WORDS = re.compile(
    r"\b(co|company|corp|corporation|inc|ltd|limited|llc|gmbh|group|institute|university|academy|"
    r"bureau|center|centre|factory|plant|bank|trading|technology|technologies|industries|industrial|"
    r"electronics?|enterprises?|international|holdings?|logistics|s\.?a|ooo|oao|jsc|pjsc|ao|llp|"
    r"office|ministry|department|agency|organi[sz]ation|association|laborator(y|ies)|works|firm)\b",
    re.I,
)
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_PARENTHESES = re.compile(r"\(([^)]+)\)")
_COUNTRY_CODE = re.compile(r"[A-Z]{2}")
_CONNECTIVE = re.compile(r"^(and|or)\s+", re.I)
REQUIRED = ["source", "name"]


def _is_date(value: str) -> bool:
    if not _DATE.match(value):
        return False
    try:
        date.fromisoformat(value + "-01-01"[len(value) - 4 :] if len(value) < 10 else value)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=256)  # a file names a dozen lists, each on thousands of rows
def list_code(source: str) -> str | None:
    """Our list code for a CSL ``source`` value, e.g. "Entity List (EL) - Bureau ..." → "EL"."""
    for part in _PARENTHESES.findall(source):
        if (code := LIST_CODES.get(part.strip().upper())) is not None:
            return code
    return None


def guess_kind(name: str, list_code_: str) -> str:
    """Kind for rows without a ``type``: organisation words → company; "Last, First" → person."""
    if _ORG_WORDS.search(name):
        return "company"
    if ("," in name and list_code_ in {"DPL", "DTC", "ISN"}) or list_code_ == "DTC":
        return "person"
    return "company" if list_code_ in {"EL", "MEU", "UVL", "CMIC"} else "other"


def parse_addresses(value: str) -> list[tuple[str, str | None]]:
    """Split "; "-joined CSL addresses; each ends in ", <ISO-2>"."""
    out = []
    for addr in split_multi(value):
        last = addr.rsplit(",", 1)[-1].strip()
        code = last if _COUNTRY_CODE.fullmatch(last) else None
        out.append((addr, address_country(addr, code)))
    return out


_ID_SKIP = {
    "gender",
    "subject to secondary sanctions",
    "additional sanctions information -",
    "transactions prohibited for persons owned or controlled by u.s. financial institutions",
}


def parse_ids(value: str) -> list[tuple[str, str, str | None]]:
    """CSL ``ids``: "CC, number, Type" items joined with "; "."""
    out = []
    for item in split_multi(value):
        parts = [p.strip() for p in item.split(",")]
        kind = parts[-1]
        if len(parts) < 2 or kind.lower() in _ID_SKIP or any(p.lower() in _ID_SKIP for p in parts):
            continue
        country = parts[0] if _COUNTRY_CODE.fullmatch(parts[0]) and len(parts) > 2 else None
        values = [p for p in parts[1 if country else 0 : -1] if not _DATE.match(p)]
        if values:
            out.append((kind, ", ".join(values), country))
    return out


_NOT_A_NAME = re.compile(r"^\(?\s*(all of (the )?preceding|located in|formerly|see also)\b|^(and|or|the)$", re.I)


def _clean_alias(alias: str) -> str:
    """An alias without the Federal Register's connective wording; "" for fragments that are not names."""
    alias = _CONNECTIVE.sub("", alias.strip())
    alias = alias.lstrip("—-– ").strip().rstrip(";,").strip()
    return "" if _NOT_A_NAME.search(alias) else alias


# Since June 2024 (89 FR 51653) BIS lists Hong Kong addresses that shell companies used to divert items to Russia as
# entries of their own, named "Address 01" … : an address, not a firm, and anyone there is covered.
_LISTED_ADDRESS = re.compile(r"Address \d{1,3}", re.I)
ADDRESS_ENTRY = (
    "An address listed as an entry of its own, not a firm: BIS lists addresses that shell companies used to divert"
    " items to Russia (89 FR 51653, June 2024); the license requirement covers any party at it."
)


def record_from_row(line: int, row: dict[str, str]) -> ListRecord | Reject:
    """One CSL row → a record, or a reject naming the field."""
    source = row.get("source", "").strip()
    code = list_code(source)
    if code is None:
        return Reject(line, "source", f"unknown list {source!r}", str(row)[:500])
    name = (row.get("name") or "").strip()
    if not name:
        return Reject(line, "name", "empty name", str(row)[:500])
    for field_ in ("start_date", "end_date"):
        value = (row.get(field_) or "").strip()
        if value and value.lower() != "various" and not _is_date(value):
            return Reject(line, field_, f"not a date: {value!r}", str(row)[:500])
    number = (row.get("entity_number") or "").strip()
    key = f"ofac:{number}" if number.isdigit() and code in TREASURY else None
    kind = KINDS.get((row.get("type") or "").strip().lower()) or guess_kind(name, code)
    remarks = (row.get("remarks") or "").strip()
    if code == "EL" and _LISTED_ADDRESS.fullmatch(name):  # "Address 01": BIS lists the place, not a firm
        kind = "other"
        remarks = (ADDRESS_ENTRY + " " + remarks).strip()
    countries = {c for field_ in ("citizenships", "nationalities") for v in split_multi(row.get(field_, "")) if (c := code_for(v))}
    for c in split_multi(row.get("country_codes", ""), ";"):
        if _COUNTRY_CODE.fullmatch(c):
            countries.add(c)
    # a list repeats its programs, dates, license terms and URLs on thousands of rows: each held once, not per row
    return ListRecord(
        line=line,
        list=code,
        name=name,
        kind=kind,
        key=key,
        aliases=[(a, "aka") for a in map(_clean_alias, split_multi(row.get("alt_names", ""))) if a],
        addresses=parse_addresses(row.get("addresses", "")),
        identifiers=parse_ids(row.get("ids", "")),
        countries=countries if kind == "person" or not row.get("addresses") else set(),
        programs=intern(row.get("programs", "")),
        citation=row.get("federal_register_notice", ""),
        start_date=intern(row.get("start_date", "")),
        end_date=intern(row.get("end_date", "")),
        license_requirement=intern(row.get("license_requirement", "")),
        license_policy=intern(row.get("license_policy", "")),
        source_url=intern(row.get("source_list_url", "") or row.get("source_information_url", "")),
        remarks=remarks,
        linked_to=linked_to(remarks, ";)"),
        facts=_facts(row) if kind == "person" else [],
    )


def _facts(row: dict[str, str]) -> list[tuple[str, str]]:
    """Birth dates and places, nationalities and citizenships (as ISO codes), and the title of a person's row."""
    facts = [("birth_date", d) for d in split_multi(row.get("dates_of_birth", "")) if _is_date(d)]
    facts += [("birth_place", p) for p in split_multi(row.get("places_of_birth", ""))]
    facts += [("nationality", c) for v in split_multi(row.get("nationalities", "")) if (c := code_for(v))]
    facts += [("citizenship", c) for v in split_multi(row.get("citizenships", "")) if (c := code_for(v))]
    if title := (row.get("title") or "").strip():
        facts.append(("position", title))
    return list(dict.fromkeys(facts))


def read_csv(path: Path) -> Iterator[ListRecord | Reject]:
    """Records of a CSL-shaped CSV (whole CSL, or an extract with CSL column names)."""
    first = True
    for line, row in csv_rows(path):
        if first:
            require_columns(path, row, REQUIRED)
            first = False
        yield record_from_row(line, row)


def _flatten_json(item: dict) -> dict[str, str]:
    """A CSL API result object → the CSV row shape."""

    def join(value, fmt=str) -> str:
        if isinstance(value, list):
            return "; ".join(fmt(v) for v in value if v)
        return "" if value is None else str(value)

    def addr(a) -> str:
        if isinstance(a, dict):
            parts = [a.get(k) for k in ("address", "city", "state", "postal_code", "country")]
            return ", ".join(str(p) for p in parts if p)
        return str(a)

    def ident(i) -> str:
        if isinstance(i, dict):
            return ", ".join(str(i[k]) for k in ("country", "number", "type") if i.get(k))
        return str(i)

    row = {k: join(v) for k, v in item.items() if not isinstance(v, dict)}
    row["addresses"] = join(item.get("addresses"), addr)
    row["ids"] = join(item.get("ids"), ident)
    return row


def read_json(path: Path) -> Iterator[ListRecord | Reject]:
    """Records of a CSL JSON download (``{"results": [...]}`` or a bare list)."""
    try:
        data = json.loads(read_text(path) or "null")
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise ImportFailed(f"{path}: JSON nested too deeply") from None
    items = data.get("results") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ImportFailed(f'{path}: expected a JSON list of CSL results or {{"results": [...]}}')
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            yield Reject(number, None, "result is not an object")
            continue
        yield record_from_row(number, _flatten_json(item))
