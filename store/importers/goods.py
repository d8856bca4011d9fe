"""Goods and trade files: HS nomenclature and sections, the CHPL, trade figures, documented suppliers."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from ..countries import code_for
from ..db import inserted
from ..normalize import analyze, key_name
from ..vocabulary import hs_code
from .match_keys import name_keys
from .reading import csv_rows, number, require_columns
from .records import ImportReport, Reject

ISO3 = {
    "CHN": "CN",
    "HKG": "HK",
    "RUS": "RU",
    "TUR": "TR",
    "KAZ": "KZ",
    "ARE": "AE",
    "IND": "IN",
    "BLR": "BY",
    "KGZ": "KG",
    "ARM": "AM",
    "DEU": "DE",
    "USA": "US",
    "G001": "WORLD",
    "MAC": "MO",
    "TWN": "TW",
    "JPN": "JP",
    "KOR": "KR",
    "UZB": "UZ",
    "GEO": "GE",
    "AZE": "AZ",
}
_HS = re.compile(r"^\d{2}(\d{2}(\d{2})?)?$")


def _rows(path: Path, need: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    first = True
    for line, row in csv_rows(path):
        if first:
            require_columns(path, row, need)
            first = False
        yield line, row


def import_hs(conn: sqlite3.Connection, path: Path, source_id: int, report: ImportReport) -> None:
    """HS 2022 nomenclature (``hscode, description, parent, level, section``)."""
    rows = []
    for line, row in _rows(path, ["hscode", "description", "parent", "level"]):
        report.rows_read += 1
        code = hs_code(row["hscode"])
        if code == "TOTAL":
            continue
        if not _HS.match(code):
            report.rejects.append(Reject(line, "hscode", f"not an HS code: {row['hscode']!r}"))
            continue
        parent = None if row["parent"] in ("TOTAL", "") else hs_code(row["parent"])
        rows.append((code, len(code), row["description"].strip(), parent, row.get("section") or None, source_id))
    before = conn.execute("SELECT count(*) FROM hs_codes").fetchone()[0]
    conn.executemany("INSERT OR REPLACE INTO hs_codes (code, level, description, parent, section, source_id) VALUES (?,?,?,?,?,?)", rows)
    after = conn.execute("SELECT count(*) FROM hs_codes").fetchone()[0]
    report.added, report.unchanged = after - before, len(rows) - (after - before)


def import_hs_sections(conn: sqlite3.Connection, path: Path, source_id: int, report: ImportReport) -> None:
    """HS sections (``section, name``)."""
    rows = []
    for _, row in _rows(path, ["section", "name"]):
        report.rows_read += 1
        rows.append((row["section"].strip(), row["name"].strip()))
    conn.executemany("INSERT OR REPLACE INTO hs_sections (section, name) VALUES (?,?)", rows)
    report.added = len(rows)


def import_chpl(conn: sqlite3.Connection, path: Path, source_id: int, report: ImportReport) -> None:
    """Common High Priority List (``hs6, tier, ...``)."""
    rows = []
    for line, row in _rows(path, ["hs6", "tier"]):
        report.rows_read += 1
        code = hs_code(row["hs6"])
        if len(code) != 6 or not code.isdigit():
            report.rejects.append(Reject(line, "hs6", f"not a 6-digit HS code: {row['hs6']!r}"))
            continue
        rows.append(
            (code, row["tier"].strip(), row.get("tier_name"), row.get("tier_group"), row.get("tier_definition"), row.get("list_version"), source_id)
        )
    conn.execute("DELETE FROM chpl")
    conn.executemany("INSERT INTO chpl (hs6, tier, tier_name, tier_group, tier_definition, list_version, source_id) VALUES (?,?,?,?,?,?,?)", rows)
    report.added = len(rows)


def _replace_flows(conn: sqlite3.Connection, path: Path, rows: list[tuple]) -> None:
    conn.execute("DELETE FROM trade_flows WHERE source_id IN (SELECT id FROM sources WHERE file = ?)", (path.name,))
    conn.executemany(
        "INSERT INTO trade_flows (reporter, partner, flow, hs_code, product, period, value, unit,"
        " basis, note, source_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )


def import_gacc_monthly(conn: sqlite3.Connection, path: Path, source_id: int, report: ImportReport) -> None:
    """China → Russia monthly total exports (``date, value`` in USD)."""
    rows = []
    for line, row in _rows(path, ["date", "value"]):
        report.rows_read += 1
        if not re.match(r"^\d{4}-\d{2}", row["date"]):
            report.rejects.append(Reject(line, "date", f"not a date: {row['date']!r}"))
            continue
        if (value := number(line, "value", row["value"], report)) is not None:
            rows.append(
                (
                    "CN",
                    "RU",
                    "export",
                    "TOTAL",
                    "All goods",
                    row["date"][:7],
                    value,
                    "USD",
                    "China customs (GACC) via Apricitas Economics",
                    None,
                    source_id,
                )
            )
    _replace_flows(conn, path, rows)
    report.added = len(rows)


def import_imf(conn: sqlite3.Connection, path: Path, source_id: int, report: ImportReport) -> None:
    """IMF IMTS annual totals by partner, one column per year (USD millions)."""
    rows = []
    for line, row in _rows(path, ["COUNTRY.ID", "INDICATOR.ID", "COUNTERPART_COUNTRY.ID"]):
        report.rows_read += 1
        reporter = ISO3.get(row["COUNTRY.ID"], row["COUNTRY.ID"])
        partner = ISO3.get(row["COUNTERPART_COUNTRY.ID"], row["COUNTERPART_COUNTRY.ID"])
        flow = "import" if row["INDICATOR.ID"].startswith("M") else "export"
        for year in (k for k in row if k and k.isdigit()):
            if row[year].strip() and (value := number(line, year, row[year], report)) is not None:
                rows.append(
                    (
                        reporter,
                        partner,
                        flow,
                        "TOTAL",
                        "All goods",
                        year,
                        value,
                        "USD million",
                        row.get("INDICATOR", ""),
                        row.get("COUNTERPART_COUNTRY"),
                        source_id,
                    )
                )
    _replace_flows(conn, path, rows)
    report.added = len(rows)


def import_press_figures(conn: sqlite3.Connection, path: Path, source_id: int, report: ImportReport) -> None:
    """Hand-transcribed press figures, each row citing its publisher and URL (own source row each)."""
    rows = []
    sources: dict[tuple, int] = {}
    need = ["exporter", "importer", "hs_code", "period", "value", "unit", "source_publisher", "source_url"]
    for line, row in _rows(path, need):
        report.rows_read += 1
        signed = "%" in row["unit"] or "change" in row["unit"].lower()
        if (value := number(line, "value", row["value"], report, signed=signed)) is None:
            continue
        skey = (row["source_publisher"], row["source_url"], row.get("source_date", ""))
        if skey not in sources:
            sources[skey] = inserted(
                conn.execute(
                    "INSERT INTO sources (import_id, name, file, url, as_of) SELECT import_id, ?, file, ?, ? FROM sources WHERE id = ?",
                    (skey[0], skey[1], skey[2], source_id),
                )
            )
        reporter = code_for(row["exporter"]) or row["exporter"]
        partner = code_for(row["importer"]) or row["importer"]
        hs = hs_code(row["hs_code"]) or "OTHER"
        note = "; ".join(p for p in (row.get("metric_id"), row.get("note")) if p)
        rows.append((reporter, partner, "export", hs, row.get("product"), row["period"], value, row["unit"], row.get("basis"), note, sources[skey]))
    _replace_flows(conn, path, rows)
    report.added = len(rows)


def import_suppliers(conn: sqlite3.Connection, path: Path, source_id: int, report: ImportReport) -> None:
    """Documented CN/HK suppliers: link each to its listed entity (or record it) with its goods."""
    need = ["company", "jurisdiction", "goods_described", "hs_hint", "evidence_summary", "sources"]
    known = {c for (c,) in conn.execute("SELECT code FROM hs_codes")}
    for line, row in _rows(path, need):
        report.rows_read += 1
        name = row["company"].strip()
        if not name:
            report.rejects.append(Reject(line, "company", "empty company name"))
            continue
        codes = [hs_code(c) for c in row["hs_hint"].split(";") if c.strip()]
        if bad := [c for c in codes if c not in known]:
            report.rejects.append(Reject(line, "hs_hint", f"unknown HS code {bad[0]!r}"))
            continue
        jurisdiction = {c for c in ("HK", "CN", "MO") if c in row["jurisdiction"].upper()} or {"CN"}
        eids = _find_entities(conn, name, {"CN", "HK", "MO"})  # BIS files Hong Kong firms under CN
        if not eids:
            eid = inserted(
                conn.execute(
                    "INSERT INTO entities (key, kind, name, countries, source_id) VALUES (?, 'company', ?, ?, ?)",
                    (f"doc:{key_name(name)}", name, ",".join(sorted(jurisdiction)), source_id),
                )
            )
            conn.execute(
                "INSERT INTO names (entity_id, name, kind, latn, core, ident, origin, source_id) VALUES (?, ?, 'primary', ?, ?, ?, 'doc', ?)",
                (eid, name, *name_keys(name), source_id),
            )
            report.added += 1
            eids = [eid]
        evidence = f"{row['evidence_summary']} Sources: {row['sources']}"
        if row.get("russian_counterparties"):
            evidence = f"Russian counterparties: {row['russian_counterparties']}. {evidence}"
        for eid, code in ((e, c) for e in eids for c in codes):
            conn.execute(
                "INSERT OR REPLACE INTO entity_goods (entity_id, hs_code, goods, evidence, period, source_id) VALUES (?,?,?,?,?,?)",
                (eid, code, row["goods_described"], evidence, row.get("period"), source_id),
            )
        if not codes:
            report.notes.append(f"line {line}: {name}: no HS code given; linked without goods")


def _find_entities(conn: sqlite3.Connection, name: str, countries: set[str]) -> list[int]:
    """Entities (one per list until resolution merges them) named so, sharing a country."""
    rows = conn.execute(
        "SELECT DISTINCT e.id, e.countries FROM names n JOIN entities e ON e.id = n.entity_id WHERE n.latn = ?", (analyze(name).latn,)
    ).fetchall()
    return [eid for eid, cs in rows if countries & set(cs.split(","))]
