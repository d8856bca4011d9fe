"""OpenSanctions' ``targets.simple.csv``: one row per target, many values in a cell split by ``;``, read in a stream.

The columns are ``id, schema, name, aliases, birth_date, countries, addresses, identifiers, sanctions,
phones, emails, program_ids, dataset, first_seen, last_seen, last_change``. The file names its
datasets by title, and its sanctions without their authority, so a row is listed on each list its
dataset titles name (:mod:`store.lists`; a title we do not know is a list of its own name), and a row
with no sanction is context. Like a FollowTheMoney file, the file is a source of its own: records
are keyed ``ftm:<source>:<id>``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from ..countries import code_for
from ..errors import ImportFailed
from ..lists import code_of_authority
from .ftm import PARTIES
from .ofac import cons_list
from .reading import csv_rows, require_columns, text_lines
from .records import ImportReport, ListBatch, ListRecord, Reject

COLUMNS = (
    "id",
    "schema",
    "name",
    "aliases",
    "birth_date",
    "countries",
    "addresses",
    "identifiers",
    "sanctions",
    "phones",
    "emails",
    "program_ids",
    "dataset",
    "first_seen",
    "last_seen",
    "last_change",
)
REQUIRED = ("id", "schema", "name", "dataset")
_SLUG = re.compile(r"[^a-z0-9]+")


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) of the CSV, streamed (a quoted cell may span lines); rows of empty cells skipped."""
    first = True
    for line, row in csv_rows(path, lines=(text for _, text in text_lines(path))):
        assert isinstance(row, dict)
        if first:
            require_columns(path, row, list(REQUIRED))
            first = False
        if any(v.strip() for v in row.values()):
            yield line, row


def _many(cell: str) -> list[str]:
    """The values of one cell (written as a ``;``-separated CSV row inside the cell)."""
    if not cell.strip():
        return []
    flat = " ".join(cell.splitlines())  # a line break inside a value is a space (csv would refuse it)
    return [v.strip() for v in next(csv.reader([flat], delimiter=";")) if v.strip()]


def read_targets(
    path: Path, spill_dir: Path, report: ImportReport, source_name: str | None = None, progress: Callable[[str], None] | None = None
) -> ListBatch:
    """A first pass for the file's datasets and date; the records come in a second pass as the batch is iterated."""
    common: set[str] | None = None
    latest = ""
    rows = 0
    for _, row in _rows(path):
        rows += 1
        if progress and rows % 50_000 == 0:
            progress(f"{rows:,} rows read")
        titles = set(_many(row.get("dataset", "")))
        common = titles if common is None else common & titles
        for stamp in (row.get("last_change", ""), row.get("last_seen", "")):
            if len(stamp) >= 10 and stamp[:10] > latest:
                latest = stamp[:10]
    if common is None:
        raise ImportFailed(f"{path}: no rows")
    name = source_name or (" + ".join(sorted(common)) if common else "OpenSanctions targets")
    scope = f"ftm:{_SLUG.sub('_', name.lower()).strip('_')[:80] or 'targets'}:"
    return ListBatch(records=_records(path, scope, report), as_of=latest or None, scope=scope, source=f"OpenSanctions: {name}", size=rows)


def _list_of(title: str, programs: str) -> str:
    """Our list for a dataset title ("US OFAC Specially Designated Nationals (SDN) List"), or the title itself."""
    code = code_of_authority(title, title)
    if code == "SDN" and "non-sdn" in title.lower():
        return cons_list(programs, programs)
    return code or title[:60]


def _records(path: Path, scope: str, report: ImportReport) -> Iterator[ListRecord | Reject]:
    for line, row in _rows(path):
        report.rows_read += 1
        key, name, schema = row.get("id", "").strip(), row.get("name", "").strip(), row.get("schema", "").strip()
        if not key:
            yield Reject(line, "id", "empty id", str(row)[:500])
            continue
        if not name:
            yield Reject(line, "name", "empty name", str(row)[:500])
            continue
        kind = PARTIES.get(schema)
        if kind is None:
            yield Reject(line, "schema", f"not a party schema: {schema!r}", str(row)[:500])
            continue
        sanctions = _many(row.get("sanctions", ""))
        programs = "; ".join(_many(row.get("program_ids", "")))
        identifiers = [("Identification", v, None) for v in _many(row.get("identifiers", ""))]
        identifiers += [("Phone Number", v, None) for v in _many(row.get("phones", ""))]
        identifiers += [("Email Address", v, None) for v in _many(row.get("emails", ""))]
        party = ListRecord(
            line=line,
            list="context",
            context=True,
            name=name,
            kind=kind,
            key=scope + key,
            origin=scope.rstrip(":"),
            aliases=[(a, "aka") for a in _many(row.get("aliases", "")) if a != name],
            addresses=list(dict.fromkeys((a, None) for a in _many(row.get("addresses", "")))),
            identifiers=list(dict.fromkeys(identifiers)),
            countries={c for v in _many(row.get("countries", "")) if (c := code_for(v))},
            facts=[("birth_date", d) for d in _many(row.get("birth_date", ""))],
        )
        if not sanctions:
            yield party
            continue
        codes = dict.fromkeys(_list_of(t, " ".join([programs, *sanctions])) for t in _many(row.get("dataset", "")))
        for code in codes or ["OpenSanctions"]:
            yield party.listed(code, programs=programs, citation="; ".join(sanctions))
