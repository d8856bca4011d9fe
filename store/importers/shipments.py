"""Shipment (customs-record) files and general trade-statistics CSVs, with ``--map`` for other headers.

Shipments: ``date, exporter, exporter_country, importer, importer_country, hs_code,
goods_description, value, quantity, weight`` (the last three optional numbers). Trade statistics:
``reporter, partner, flow, hs_code, period, value, unit`` (+ optional ``quantity``, ``basis``).
A map such as ``shipper=exporter,hs=hs_code`` renames the file's columns to ours.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from ..countries import code_for
from ..errors import ImportFailed
from ..normalize import key_name
from ..vocabulary import hs_code
from .reading import csv_rows, number, require_columns
from .records import ImportReport, Reject

SHIPMENT_COLUMNS = [
    "date",
    "exporter",
    "exporter_country",
    "importer",
    "importer_country",
    "hs_code",
    "goods_description",
    "value",
    "quantity",
    "weight",
]
SHIPMENT_REQUIRED = ["date", "exporter", "hs_code", "value"]
TRADE_REQUIRED = ["reporter", "partner", "flow", "hs_code", "period", "value", "unit"]
_DATE = re.compile(r"^(\d{4})-(\d\d)(?:-(\d\d))?$")
_MM = "(0[1-9]|1[0-2])"
_PERIOD = re.compile(rf"^\d{{4}}(-{_MM})?(/\d{{4}}(-{_MM})?)?$")
BATCH = 20_000


def parse_map(text: str | None) -> dict[str, str]:
    """``"their=ours,…"`` → {their column: our column}; raise ImportFailed on a malformed map."""
    out: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        theirs, sep, ours = part.partition("=")
        if not sep or not theirs.strip() or not ours.strip():
            raise ImportFailed(f"--map: {part.strip()!r} is not THEIR_COLUMN=OUR_COLUMN")
        out[theirs.strip()] = ours.strip()
    return out


def _mapped(path: Path, column_map: dict[str, str], need: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    first = True
    for line, row in csv_rows(path):
        assert isinstance(row, dict)
        if column_map:
            row = {column_map.get(k, k): v for k, v in row.items()}
        if first:
            require_columns(path, row, need)
            first = False
        yield line, row


def known_codes(conn: sqlite3.Connection) -> set[str]:
    """Every HS code in the nomenclature (chapters, headings, subheadings)."""
    return {c for (c,) in conn.execute("SELECT code FROM hs_codes")}


def hs_of(text: str, codes: set[str]) -> str | None:
    """The HS code as stored, if the nomenclature knows it (national 8–10 digit codes by their HS-6)."""
    digits = hs_code(text)
    if not digits.isdigit():
        return None
    if len(digits) > 6:
        digits = digits[:6]
    return digits if digits in codes else None


def party_key(name: str, country: str | None, cache: dict[str, str]) -> str:
    """The link key of a party: its folded name and country ("sinno elec co ltd|HK")."""
    folded = cache.get(name)
    if folded is None:
        folded = cache[name] = key_name(name)
    return f"{folded}|{country or ''}"


def import_shipments(conn: sqlite3.Connection, path: Path, source_id: int, report: ImportReport, column_map: dict[str, str] | None = None) -> None:
    """Customs records, streamed in batches inside the import's transaction."""
    codes = known_codes(conn)
    if not codes:
        raise ImportFailed(f"{path}: the store has no HS nomenclature; import it (or build the seed) first")
    names: dict[str, str] = {}
    countries: dict[str, str | None] = {}
    batch: list[tuple] = []
    sql = (
        "INSERT INTO shipments (source_id, line, date, exporter, exporter_country, importer, importer_country,"
        " hs_code, goods, value, quantity, weight_kg, exporter_key, importer_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
    )

    def country(text: str) -> str | None:
        if text not in countries:
            countries[text] = code_for(text) if text.strip() else None
        return countries[text]

    for line, row in _mapped(path, column_map or {}, SHIPMENT_REQUIRED):
        report.rows_read += 1
        date, exporter = row["date"].strip(), row["exporter"].strip()
        m = _DATE.match(date)
        if not m or not 1 <= int(m[2]) <= 12 or (m[3] and not 1 <= int(m[3]) <= 31):
            report.rejects.append(Reject(line, "date", f"not a date (YYYY-MM-DD): {date!r}", str(row)[:500]))
            continue
        if not exporter:
            report.rejects.append(Reject(line, "exporter", "missing", str(row)[:500]))
            continue
        code = hs_of(row["hs_code"], codes)
        if code is None:
            report.rejects.append(Reject(line, "hs_code", f"unknown HS code: {row['hs_code'].strip()!r}", str(row)[:500]))
            continue
        rejected = len(report.rejects)
        value = number(line, "value", row["value"], report)
        quantity = number(line, "quantity", row.get("quantity", ""), report, required=False)
        weight = number(line, "weight", row.get("weight", ""), report, required=False)
        if len(report.rejects) > rejected:
            report.rejects[-1].raw = str(row)[:500]
            continue
        ec, importer = country(row.get("exporter_country", "")), row.get("importer", "").strip()
        ic = country(row.get("importer_country", ""))
        batch.append(
            (
                source_id,
                line,
                date,
                exporter,
                ec,
                importer or None,
                ic,
                code,
                row.get("goods_description", "").strip() or None,
                value,
                quantity,
                weight,
                party_key(exporter, ec, names),
                party_key(importer, ic, names) if importer else None,
            )
        )
        if len(batch) >= BATCH:
            conn.executemany(sql, batch)
            report.added += len(batch)
            batch.clear()
    conn.executemany(sql, batch)
    report.added += len(batch)


def import_trade_csv(conn: sqlite3.Connection, path: Path, source_id: int, report: ImportReport, column_map: dict[str, str] | None = None) -> None:
    """Official statistics as downloaded: one figure per row, period a year (2022) or a month (2022-05)."""
    codes = known_codes(conn)
    rows = []
    for line, row in _mapped(path, column_map or {}, TRADE_REQUIRED):
        report.rows_read += 1
        flow = row["flow"].strip().lower()
        if flow in ("x", "exports"):
            flow = "export"
        elif flow in ("m", "imports"):
            flow = "import"
        period = row["period"].strip()
        raw_code = row["hs_code"].strip().upper()
        code = raw_code if raw_code in ("TOTAL", "CHPL") else hs_of(raw_code, codes)
        if flow not in ("export", "import"):
            report.rejects.append(Reject(line, "flow", f"not export or import: {row['flow']!r}"))
        elif not _PERIOD.match(period):
            report.rejects.append(Reject(line, "period", f"not a year or month (2022, 2022-05): {period!r}"))
        elif code is None:
            report.rejects.append(Reject(line, "hs_code", f"unknown HS code: {raw_code!r}"))
        elif not row["unit"].strip():
            report.rejects.append(Reject(line, "unit", "missing"))
        elif (value := number(line, "value", row["value"], report)) is not None:
            reporter = code_for(row["reporter"]) or row["reporter"].strip()
            partner = code_for(row["partner"]) or row["partner"].strip()
            rows.append(
                (
                    reporter,
                    partner,
                    flow,
                    code,
                    row.get("product", "").strip() or None,
                    period,
                    value,
                    row["unit"].strip(),
                    row.get("basis", "").strip() or None,
                    None,
                    source_id,
                )
            )
    conn.execute("DELETE FROM trade_flows WHERE source_id IN (SELECT id FROM sources WHERE file = ?)", (path.name,))
    conn.executemany(
        "INSERT INTO trade_flows (reporter, partner, flow, hs_code, product, period, value, unit,"
        " basis, note, source_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    report.added = len(rows)


__all__ = ["SHIPMENT_COLUMNS", "import_shipments", "import_trade_csv", "parse_map"]
