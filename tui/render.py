"""Records as Rich ``Text`` for the panes: every value from the data goes through ``safe``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text

from watchlist.store.hs import dotted
from watchlist.store.models import Entity, TradeFlow
from watchlist.store.normalize import has_han

from .safe import safe, safe_text


def badges(lists: list[str] | tuple[str, ...], removed: list[str] | tuple[str, ...] = ()) -> Text:
    """List codes as badges: active ones bold, removed ones struck through."""
    out = Text()
    for code in lists:
        out.append_text(safe(f" {code} ", "bold reverse"))
        out.append(" ")
    for code in removed:
        out.append_text(safe(code, "strike dim"))
        out.append(" ")
    return out


def _line(out: Text, label: str, value: Any, style: str = "") -> None:
    if value in (None, "", [], ()):
        return
    out.append(f"{label:<15}", style="bold")
    out.append_text(safe(value if not isinstance(value, list | tuple) else ", ".join(map(str, value)), style))
    out.append("\n")


def overview(record: Entity | None) -> Text:
    """Names in every script, kind, countries, ownership, dates, listings in brief, note."""
    out = Text()
    if record is None:
        return Text("No such entity.")
    out.append_text(safe(record.name, "bold"))
    out.append("\n")
    out.append_text(badges(record.active_lists, record.removed_lists))
    if record.watchlist:
        out.append("★ on your watchlist", style="bold yellow")
    out.append("\n\n")
    if not record.listings:
        _line(out, "Not listed", "known from " + ", ".join(dict.fromkeys(s.name for s in record.sources)) + " (context)")
    _line(out, "Kind", record.kind)
    _line(out, "Countries", record.countries)
    for kind, label in FACT_LABELS.items():
        _line(out, label, [f.value for f in record.facts if f.kind == kind])
    _line(out, "Key", record.key)
    _line(out, "Ownership", record.ownership)
    _line(out, "First seen", record.first_seen)
    _line(out, "Last seen", record.last_seen)
    names = list(dict.fromkeys(n.name for n in record.names))
    han = [n for n in names if has_han(n)]
    latin = [n for n in names if not has_han(n) and n != record.name]
    _line(out, "Chinese", han)
    if latin:
        out.append(f"{'Also known as':<15}", style="bold")
        out.append_text(safe("; ".join(latin[:8]) + (f"; … ({len(latin)} in all)" if len(latin) > 8 else "")))
        out.append("\n")
    for x in record.listings:
        out.append(f"{'Listing':<15}", style="bold")
        out.append_text(safe(" · ".join(str(v) for v in (x.list, x.status, x.citation, x.start_date, x.license_policy) if v)))
        out.append("\n")
    goods = list(dict.fromkeys(dotted(g.hs_code) + (f" (tier {g.chpl_tier})" if g.chpl_tier else "") for g in record.goods))
    _line(out, "Goods", goods)
    shipped = record.shipments
    if shipped.count:
        top = ", ".join(f"{dotted(r['hs_code'])} ({r['shipments']})" for r in shipped.by_hs[:4])
        partners = ", ".join(f"{r['counterparty']} ({r['shipments']})" for r in shipped.by_counterparty[:3])
        _line(out, "Shipments", f"{shipped.count:,} linked, value {shipped.total_value:,.0f}; by HS {top}; with {partners}")
    shared = sum(len(a.others) for a in record.addresses)
    others = f"{shared} other {'entity' if shared == 1 else 'entities'}"
    _line(out, "Addresses", f"{len(record.addresses)}" + (f", shared with {others}" if shared else ""))
    _line(out, "Relations", len(record.relations) or None)
    _line(out, "Remarks", record.remarks)
    if record.note:
        out.append("\nNote\n", style="bold underline")
        out.append_text(safe(record.note))
        out.append("\n")
    return out


FACT_LABELS = {
    "birth_date": "Born",
    "birth_place": "Birthplace",
    "nationality": "Nationality",
    "citizenship": "Citizenship",
    "gender": "Gender",
    "position": "Position",
}


def cell(value: Any, style: str = "") -> Text:
    """One table cell."""
    if isinstance(value, list | tuple):
        value = ", ".join(map(str, value))
    return safe(value, style)


def plain(value: Any) -> str:
    """Sanitised plain text (for notifications and the clipboard)."""
    return safe_text(value)


def trade_chart(yearly: Sequence[TradeFlow]) -> tuple[list[float], Text]:
    """Sparkline data and the label with the numbers beside it (empty below two points)."""
    if len(yearly) < 2:
        return [], Text("")
    first = yearly[0]
    label = Text(f"{first.reporter}→{first.partner} HS {dotted(first.hs_code)} by year ({first.unit}): ", style="bold")
    label.append_text(safe("  ".join(f"{f.period} {f.value:,.0f}" for f in yearly)))
    return [f.value for f in yearly], label
