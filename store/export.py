"""Exports with provenance: search results, entity dossiers and networks as CSV, JSON or Markdown; one-paragraph summaries."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .db import now
from .errors import BadOutput
from .models import Entity, Source, jsonable
from .network import Network, Tie

FORMATS = ("csv", "json", "md")

_RESULT_FIELDS = ("id", "key", "name", "matched_name", "score", "status", "lists", "removed_lists", "countries", "kind", "chpl_tiers", "listed")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run: text starting like a formula gets a leading apostrophe."""
    text = _cell(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _cell(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(map(str, value))
    return "" if value is None else str(value)


def _md(value: Any) -> str:
    """A table cell safe in Markdown (pipes and newlines escaped)."""
    return _cell(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def summary(record: Entity) -> str:
    """One paragraph: who, where, on which lists (with citations and dates), and the sources."""
    parts = [f"{record.name} ({record.kind}; {', '.join(record.countries) or 'country unknown'}; key {record.key})."]
    active = [x for x in record.listings if x.active]
    removed = [x for x in record.listings if not x.active]
    if active:
        parts.append(
            "Listed on "
            + "; ".join(
                x.list
                + (f" ({x.programs})" if x.programs else "")
                + (f", {x.citation}" if x.citation else "")
                + (f", since {x.start_date}" if x.start_date else "")
                + (f", license policy: {x.license_policy}" if x.license_policy else "")
                for x in active
            )
            + "."
        )
    if removed:
        parts.append("Removed from " + ", ".join(x.list + (f" ({x.removed_date})" if x.removed_date else "") for x in removed) + ".")
    if not record.listings:
        parts.append("Not on any list in the store.")
    aliases = [n.name for n in record.names if n.kind != "primary" and n.name != record.name]
    if aliases:
        parts.append("Also known as " + "; ".join(dict.fromkeys(aliases[:6])) + ("; …" if len(aliases) > 6 else "") + ".")
    if record.goods:
        parts.append(
            "Goods: " + "; ".join(dict.fromkeys(f"HS {g.hs_code}" + (f" (CHPL tier {g.chpl_tier})" if g.chpl_tier else "") for g in record.goods)) + "."
        )
    if record.sources:
        parts.append("Sources: " + "; ".join(s.name + (f" as of {s.as_of}" if s.as_of else "") for s in record.sources) + ".")
    return " ".join(parts)


def results_text(results: list[dict[str, Any]], fmt: str, query: str = "", sources: Sequence[Source] = ()) -> str:
    """Search results (``Hit.as_dict()`` rows) in one of ``FORMATS``; JSON and Markdown list ``sources`` (what the
    results' names and listings come from: ``queries.result_sources``)."""
    if fmt == "json":
        cited = [jsonable(s) for s in sources]
        return json.dumps({"query": query, "exported_at": now(), "results": results, "sources": cited}, ensure_ascii=False, indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(_RESULT_FIELDS)
        for row in results:
            writer.writerow([csv_cell(row.get(f)) for f in _RESULT_FIELDS])
        return out.getvalue()
    lines = [
        f"# Search results: {_md(query) or '(all entities)'}",
        "",
        f"Exported {now()[:16].replace('T', ' ')} from the watchlist store.",
        "",
        "| " + " | ".join(_RESULT_FIELDS) + " |",
        "|" + "---|" * len(_RESULT_FIELDS),
    ]
    lines += ["| " + " | ".join(_md(row.get(f)) for f in _RESULT_FIELDS) + " |" for row in results]
    if sources:
        lines += ["", "## Sources", ""]
        lines += [f"- {_source_line(s)}" for s in sources]
    return "\n".join(lines) + "\n"


def _source_line(s: Source) -> str:
    """One source as a Markdown list item: name, file, as-of date, address, license."""
    parts = [_md(s.name)] + [_md(v) for v in (s.file, f"as of {s.as_of}" if s.as_of else "", s.url, f"license: {s.license}" if s.license else "") if v]
    return " · ".join(parts)


_SECTIONS = [
    (
        "Listings",
        "listings",
        (
            "list",
            "status",
            "programs",
            "citation",
            "start_date",
            "end_date",
            "removed_date",
            "license_requirement",
            "license_policy",
            "source_url",
            "source",
            "source_as_of",
        ),
    ),
    ("Facts", "facts", ("kind", "value")),
    ("Names", "names", ("name", "kind", "list", "source")),
    ("Addresses", "addresses", ("address", "country", "list", "shared_with", "source")),
    ("Identifiers", "identifiers", ("kind", "value", "country", "list")),
    ("Goods", "goods", ("hs_code", "description", "chpl_tier", "goods", "evidence", "source")),
    ("Trade", "trade", ("reporter", "partner", "flow", "hs_code", "period", "value", "unit", "source")),
    ("Relations", "relations", ("kind", "direction", "entity_name", "lists", "detail")),
    ("History", "changes", ("as_of", "list", "change", "fields", "citation", "file")),
    ("Records", "records", ("key", "name", "lists", "reason")),
    ("Sources", "sources", ("name", "file", "url", "as_of", "license")),
]


def dossier_text(entity: Entity, fmt: str) -> str:
    """Everything known about one entity, with sources, in one of ``FORMATS``."""
    record = jsonable(entity)
    if fmt == "json":
        return json.dumps(record, ensure_ascii=False, indent=2, default=str)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["section", "field", "value"])
        for field in ("id", "key", "name", "kind", "countries", "ownership", "remarks", "first_seen", "last_seen"):
            writer.writerow(["entity", field, csv_cell(record.get(field))])
        for title, key, fields in _SECTIONS:
            for i, row in enumerate(record.get(key) or []):
                for field in fields:
                    if row.get(field) not in (None, ""):
                        writer.writerow([f"{title.lower()}[{i}]", field, csv_cell(row[field])])
        if record.get("note"):
            writer.writerow(["note", "text", csv_cell(record["note"])])
        return out.getvalue()
    lines = [f"# {_md(entity.name)}", "", summary(entity), ""]
    for title, key, fields in _SECTIONS:
        rows = record.get(key) or []
        if not rows:
            continue
        used = [f for f in fields if any(r.get(f) not in (None, "", 0) for r in rows)]
        lines += [f"## {title}", "", "| " + " | ".join(used) + " |", "|" + "---|" * len(used)]
        lines += ["| " + " | ".join(_md(r.get(f)) for f in used) + " |" for r in rows]
        lines.append("")
    if record.get("note"):
        lines += ["## Note", "", record["note"], ""]
    return "\n".join(lines)


def tie_line(tie: Tie) -> str:
    """One tie as a line of a tree: "owner of → NAME [EL SDN] (#id): detail"."""
    badge = f" [{' '.join(tie.lists)}]" if tie.lists else ""
    where = f" (#{tie.entity_id})" if tie.entity_id is not None else " (in no record)"
    return f"{tie.kind} → {tie.name}{badge}{where}" + (f": {tie.detail}" if tie.detail else "")


def network_tree(net: Network) -> list[str]:
    """The neighbourhood as an indented tree, the centre first (lines without markup: the caller makes them safe)."""
    head = f"{net.name}" + (f" [{' '.join(net.lists)}]" if net.lists else "") + f" (#{net.centre})"
    lines = [head]

    def walk(via: int, indent: str) -> None:
        ties = net.children(via)
        for i, tie in enumerate(ties):
            last = i == len(ties) - 1
            lines.append(f"{indent}{'└─ ' if last else '├─ '}{tie_line(tie)}")
            if tie.entity_id is not None:
                walk(tie.entity_id, indent + ("   " if last else "│  "))

    walk(net.centre, "")
    if net.truncated:
        lines.append(f"… more ties left out (the first {len(net.ties)} shown)")
    return lines


_TIE_FIELDS = ("hops", "from_id", "from_name", "kind", "entity_id", "name", "lists", "detail")


def network_text(net: Network, fmt: str) -> str:
    """An entity's neighbourhood in one of ``FORMATS``: JSON and CSV as edges (from, kind, to), Markdown as a tree."""
    names = {net.centre: net.name} | {t.entity_id: t.name for t in net.ties if t.entity_id is not None}
    edges = [{"hops": t.hops, "from_id": t.via, "from_name": names.get(t.via, ""), **jsonable(t)} for t in net.ties]
    for edge in edges:
        edge.pop("via", None)
    if fmt == "json":
        body = {
            "centre": net.centre,
            "name": net.name,
            "lists": list(net.lists),
            "hops": net.hops,
            "shared": net.shared,
            "truncated": net.truncated,
            "ties": edges,
        }
        return json.dumps(body, ensure_ascii=False, indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(_TIE_FIELDS)
        writer.writerows([csv_cell(e.get(f)) for f in _TIE_FIELDS] for e in edges)
        return out.getvalue()
    followed = "relations the lists state, shared street addresses and contacts" if net.shared else "only the relations the lists state"
    about = f"Ties up to {net.hops} hops out: {followed}."
    lines = [f"# Network of {_md(net.name)}", "", about, ""]
    lines += ["```", *network_tree(net), "```", ""]
    return "\n".join(lines)


def slug(text: str) -> str:
    """A file-name-safe short form of a name or query."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:40] or "export"


def write(text: str, folder: Path, stem: str, fmt: str) -> Path:
    """Write an export next to the others, never over an existing file; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    base = f"{slug(stem)}-{time.strftime('%Y%m%d-%H%M%S')}"
    path = folder / f"{base}.{fmt}"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"{base}-{n}.{fmt}"
    path.write_text(text, encoding="utf-8")
    return path


def file_mode() -> int:
    """The mode a new file gets under this process's umask (a temporary file starts at 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def check_output(out: Path) -> None:
    """Refuse, in one line, an output path that is a folder or a symbolic link (it would be replaced, or its target overwritten)."""
    if out.is_symlink():
        raise BadOutput(f"{out}: is a symbolic link; refusing to write through it (name the file itself)")
    if out.is_dir():
        raise BadOutput(f"{out}: is a folder; name a file to write")


def write_whole(out: Path, chunks: Iterable[str]) -> None:
    """Write ``chunks`` to ``out`` whole or not at all: a temporary file beside it, renamed at the end (mode from the umask)."""
    check_output(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as f:
            f.writelines(chunks)
        os.chmod(tmp, file_mode())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
