"""Trade figures by HS code and period, with the change on the same period a year before."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from .db import rows
from .models import TradeFlow
from .vocabulary import PSEUDO_CODES, hs_code

_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^(\d{4})-(\d\d)$")
_RANGE = re.compile(r"^(\d{4})-(\d\d)/(\d{4})-(\d\d)$")


def resolve(db: sqlite_utils.Database, text: str) -> dict[str, Any] | None:
    """An HS code typed with or without dots: its description, CHPL tier and parents (chapter, heading)."""
    code = hs_code(text)
    if code in PSEUDO_CODES:
        return {
            "code": code,
            "description": {"TOTAL": "All goods", "CHPL": "Common High Priority List items", "OTHER": "Other product definitions (see each figure)"}[
                code
            ],
            "level": 0,
            "tier": None,
            "parents": [],
        }
    found = rows(
        db.conn,
        "SELECT h.code, h.level, h.description, h.parent, h.section, c.tier FROM hs_codes h LEFT JOIN chpl c ON c.hs6 = h.code WHERE h.code = ?",
        (code,),
    )
    if not found:
        return None
    out = found[0]
    parents: list[dict[str, Any]] = []
    parent = out.pop("parent")
    while parent and parent != "TOTAL":
        up = rows(db.conn, "SELECT code, level, description, parent FROM hs_codes WHERE code = ?", (parent,))
        if not up:
            break
        parents.insert(0, {k: up[0][k] for k in ("code", "level", "description")})
        parent = up[0]["parent"]
    out["parents"] = parents
    return out


def _previous(period: str) -> str | None:
    """The same period one year earlier ("2022" → "2021", "2022-05" → "2021-05", ranges too)."""
    if _YEAR.match(period):
        return str(int(period) - 1)
    if m := _MONTH.match(period):
        return f"{int(m[1]) - 1}-{m[2]}"
    if m := _RANGE.match(period):
        return f"{int(m[1]) - 1}-{m[2]}/{int(m[3]) - 1}-{m[4]}"
    return None


def series(
    db: sqlite_utils.Database, code: str, exporter: str | None = None, importer: str | None = None, flow: str | None = None
) -> list[dict[str, Any]]:
    """Figures for one code (as reported: exporter→importer), oldest first, each with its source and basis.

    ``yoy_ratio`` compares a figure with the one for the same period a year before from the same
    reporter, partner, flow and unit, when the store has it.
    """
    where, params = ["t.hs_code = ?"], [hs_code(code)]
    for column, value in (("reporter", exporter), ("partner", importer), ("flow", flow)):
        if value:
            where.append(f"upper(t.{column}) = upper(?)")
            params.append(value)
    found = rows(
        db.conn,
        "SELECT t.reporter AS exporter, t.partner AS importer, t.flow, t.hs_code, t.product, t.period,"
        " t.value, t.unit, t.basis, t.note, s.name AS source, s.url AS source_url, s.as_of AS source_as_of"
        " FROM trade_flows t LEFT JOIN sources s ON s.id = t.source_id"
        f" WHERE {' AND '.join(where)} ORDER BY t.period, t.reporter, t.partner",
        tuple(params),
    )
    by_key = {(r["exporter"], r["importer"], r["flow"], r["unit"], r["period"]): r for r in found}
    for r in found:
        before = _previous(r["period"])
        prior = by_key.get((r["exporter"], r["importer"], r["flow"], r["unit"], before)) if before else None
        r["compared_to"] = before if prior else None
        r["yoy_ratio"] = round(r["value"] / prior["value"], 3) if prior and prior["value"] else None
    return found


def yearly_from_monthly(figures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sums of monthly figures by year, exporter, importer and unit, with how many months each has."""
    sums: dict[tuple, list[float]] = defaultdict(list)
    for r in figures:
        if m := _MONTH.match(r["period"]):
            sums[(m[1], r["exporter"], r["importer"], r["flow"], r["unit"])].append(r["value"])
    return [
        {"year": y, "exporter": e, "importer": i, "flow": f, "unit": u, "months": len(v), "value": sum(v)}
        for (y, e, i, f, u), v in sorted(sums.items())
    ]


def best_yearly(figures: Iterable[TradeFlow]) -> list[TradeFlow]:
    """The yearly figures of the best-covered reporter→partner series (same code and unit), oldest first.

    For a chart: monthly and partial-year figures are left out.
    """
    series: dict[tuple, list[TradeFlow]] = defaultdict(list)
    for f in figures:
        if _YEAR.match(f.period):
            series[(f.reporter, f.partner, f.hs_code, f.unit)].append(f)
    longest: list[TradeFlow] = max(series.values(), key=lambda s: len(s), default=[])
    return sorted(longest, key=lambda f: f.period)
