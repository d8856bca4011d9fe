"""Importers: detect a file's format, parse it, and write it in one transaction.

List files (CSL, OFAC) are *snapshots*: a newer snapshot updates entities, adds
new ones, and marks listings missing from it as removed. Goods and trade files
replace what the same file brought before. Either way a file goes in whole or
not at all; rejected rows are kept in ``rejects`` and reported.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import TypeVar

import sqlite_utils

from .. import resolve
from ..db import Deferral, explain, fts_deferred, gc_paused, indexes_deferred, inserted, now, store_path, transaction
from ..errors import ImportFailed, StoreBusy
from . import csl, eu, ftm, goods, ofac, ofac_xml, os_targets, shipments, uk, un
from .apply import SnapshotWriter, group_records, merge_by_target, resolve_links, today
from .match_keys import PARALLEL_MIN, KeyWorkers
from .reading import content_hash, plausible_date, read_bytes, sniff_delimiter
from .records import ImportReport, ListBatch, ListRecord, Reject

ListReader = Callable[[Path], Iterator[ListRecord | Reject]]
TableWriter = Callable[[sqlite3.Connection, Path, int, ImportReport], None]

LIST_FORMATS: dict[str, ListReader] = {
    "csl": csl.read_csv,
    "csl-json": csl.read_json,
    "ofac-sdn": ofac.read_sdn,
    "ofac-cons": ofac.read_cons,
    "un-xml": un.read_un,
    "ofac-xml": ofac_xml.read_ofac_xml,
    "eu-xml": eu.read_eu,
    "uk-xml": uk.read_uk,
}
# The date a list file gives itself (else the newest listing date in it is taken as the snapshot's date).
LIST_DATES: dict[str, Callable[[Path], str | None]] = {
    "un-xml": un.generated,
    "ofac-xml": ofac_xml.as_of,
    "eu-xml": eu.generated,
    "uk-xml": uk.generated,
}
Progress = Callable[[str], None]
T = TypeVar("T")
StreamReader = Callable[[Path, Path, ImportReport, "str | None", "Progress | None"], ListBatch]
# List formats read in a stream through a spill file (bounded memory), each record keyed in its source's namespace.
STREAM_FORMATS: dict[str, StreamReader] = {
    "ftm": ftm.read_ftm,
    "os-targets": os_targets.read_targets,
}
TABLE_FORMATS: dict[str, TableWriter] = {
    "hs": goods.import_hs,
    "hs-sections": goods.import_hs_sections,
    "chpl": goods.import_chpl,
    "gacc-monthly": goods.import_gacc_monthly,
    "imf-imts": goods.import_imf,
    "press-figures": goods.import_press_figures,
    "suppliers": goods.import_suppliers,
}
MappedWriter = Callable[[sqlite3.Connection, Path, int, ImportReport, dict[str, str]], None]
# Formats whose columns may be renamed with --map ("their=ours,…").
MAPPED_FORMATS: dict[str, MappedWriter] = {
    "shipments": shipments.import_shipments,
    "trade-csv": shipments.import_trade_csv,
}
FORMATS = ("auto", *LIST_FORMATS, *STREAM_FORMATS, *TABLE_FORMATS, *MAPPED_FORMATS)
_HEADERS = [
    ("_id,source,", "csl"),
    ("source,name,", "csl"),
    ("section,hscode", "hs"),
    ("section,name", "hs-sections"),
    ("hs6,", "chpl"),
    ("date,value", "gacc-monthly"),
    ('"dataset","series_code"', "imf-imts"),
    ("metric_id,", "press-figures"),
    ("company,jurisdiction", "suppliers"),
    ("date,exporter", "shipments"),
    ("reporter,partner", "trade-csv"),
    ("id,schema,name,", "os-targets"),
]


def detect(path: Path) -> str:
    """Guess the format of a file from its name and first line."""
    if path.is_dir() or path.name.startswith("cons_"):
        return "ofac-cons"
    head = read_bytes(path)[:4096].decode("utf-8", "replace").lstrip("\ufeff").lower()
    first = head.split("\n", 1)[0].strip()
    first = first.replace(sniff_delimiter(first), ",")  # a ';' or tab CSV as Excel writes it in many locales
    for prefix, fmt in _HEADERS:
        if first.startswith(prefix):
            return fmt
    if head.lstrip().startswith("<") and "<consolidated_list" in head:
        return "un-xml"
    if head.lstrip().startswith("<") and "<sanctionsdata" in head:
        return "ofac-xml"
    if head.lstrip().startswith("<") and ("fpi/fsd/export" in head or "<sanctionentity" in head):
        return "eu-xml"
    if head.lstrip().startswith("<") and "<designations" in head:
        return "uk-xml"
    if head.lstrip().startswith("{") and '"schema"' in first:
        return "ftm"
    if head.lstrip().startswith(("{", "[")):
        return "csl-json"
    if first.split(",", 1)[0].strip().isdigit() and first.count(",") >= 11:
        return "ofac-sdn"
    raise ImportFailed(f"{path}:1: cannot tell the format from the first line; pass --format ({', '.join(FORMATS[1:])})")


def _files(path: Path, fmt: str) -> list[Path]:
    return sorted(ofac.cons_files(path).values()) if fmt == "ofac-cons" else [path]


def _begin(conn: sqlite3.Connection, path: Path, fmt: str, digest: str, as_of: str | None, lists: str) -> int:
    """Log the import as running (committed at once, so a killed import shows as "did not finish", and a waiting one sees who)."""
    with transaction(conn):
        return inserted(
            conn.execute(
                "INSERT INTO imports (file, format, content_hash, as_of, lists, started, pid) VALUES (?,?,?,?,?,?,?)",
                (str(path), fmt, digest, as_of, lists, now(), os.getpid()),
            )
        )


def _finish(conn: sqlite3.Connection, import_id: int, report: ImportReport, status: str, message: str = "") -> None:
    conn.execute(
        "UPDATE imports SET finished = ?, status = ?, rows_read = ?, added = ?, updated = ?, removed = ?, rejected = ?, message = ? WHERE id = ?",
        (
            now(),
            status,
            report.rows_read,
            report.added,
            report.updated,
            report.removed,
            len(report.rejects),
            message or "; ".join(report.notes) or None,
            import_id,
        ),
    )


def _done_before(conn: sqlite3.Connection, digest: str, fmt: str) -> int | None:
    row = conn.execute(
        "SELECT id FROM imports WHERE content_hash = ? AND format = ? AND status = 'ok' ORDER BY id DESC LIMIT 1", (digest, fmt)
    ).fetchone()
    return row[0] if row else None


def import_file(
    db: sqlite_utils.Database,
    path: Path | str,
    fmt: str = "auto",
    *,
    as_of: str | None = None,
    source_name: str | None = None,
    license: str | None = None,
    url: str | None = None,
    force: bool = False,
    column_map: dict[str, str] | None = None,
    snapshot: bool | None = None,
    progress: Progress | None = None,
    regroup: bool = True,
    keys: KeyWorkers | None = None,
) -> ImportReport:
    """Import one file (or a non-SDN folder) into the store; raise ImportFailed with one line on failure.

    ``progress(text)`` is told how a long list import is going (entities read, records written).
    ``column_map`` renames the file's columns ({their name: ours}) for the shipments and trade-csv formats.
    ``snapshot`` says whether a list file is the whole of its lists (True: listings it lacks are removed), only part
    of them (False: it adds and updates, never removes), or neither was said (None): a CSL or OFAC file is then taken
    as whole unless it would remove over a quarter of a list (held, see :data:`HOLD_SHARE`), and a FollowTheMoney
    file as part, unless an OpenSanctions ``index.json`` beside it names the one dataset it holds.
    ``regroup=False`` leaves resolution to the caller (a seed build groups once, after its last list, in the same transaction).
    ``keys``: the caller's workers folding names, kept over several files (a seed build: their caches carry over);
    by default a file of :data:`PARALLEL_MIN` records or more starts its own, and a smaller one folds in process.
    """
    path = Path(path)
    if not path.exists():
        raise ImportFailed(f"{path}: no such file")
    if as_of is not None and not plausible_date(as_of):
        raise ImportFailed(f"{path}: --as-of {as_of!r}: expected a real date as YYYY-MM-DD, from 1900 to a year from now")
    fmt = detect(path) if fmt == "auto" else fmt
    if column_map and fmt not in MAPPED_FORMATS:
        raise ImportFailed(f"{path}: --map applies to {', '.join(MAPPED_FORMATS)} files only")
    if fmt not in LIST_FORMATS and fmt not in TABLE_FORMATS and fmt not in MAPPED_FORMATS and fmt not in STREAM_FORMATS:
        raise ImportFailed(f"{path}: unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    conn = db.conn
    report = ImportReport(file=str(path), format=fmt)
    digest = content_hash(_files(path, fmt))
    done = _done_before(conn, digest, fmt)
    if done and not force:
        report.skipped, report.import_id = True, done
        return report

    with contextlib.ExitStack() as stack:
        stack.enter_context(gc_paused())
        batch: ListBatch | None = None
        if fmt in LIST_FORMATS:
            batch = _read_list_file(path, fmt, report)
        elif fmt in STREAM_FORMATS:
            batch = STREAM_FORMATS[fmt](
                path, Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="watchlist-"))), report, source_name, progress
            )
            stack.callback(batch.close)  # the spill file's connection, however the import ends
        if batch is not None:
            as_of = as_of or batch.as_of or today()
            if snapshot is None and batch.scope:
                snapshot = batch.whole
            if not force:
                _refuse_older(conn, path, batch.lists if batch.lists is not None else [batch.scope], as_of)
        logged = (",".join(batch.lists) if batch.lists is not None else batch.scope) if batch is not None else fmt
        import_id = _begin(conn, path, fmt, digest, as_of, logged)
        report.import_id = import_id
        try:
            with transaction(conn):
                done = _done_before(conn, digest, fmt)  # the same file, imported by another process while this one waited
                if done and not force:
                    report.skipped = True
                    report.notes.append(f"already imported (import {done}) while this one waited")
                    _finish(conn, import_id, report, "skipped", report.notes[-1])
                    return report
                source_id = inserted(
                    conn.execute(
                        "INSERT INTO sources (import_id, name, file, url, as_of, license) VALUES (?,?,?,?,?,?)",
                        (import_id, source_name or (batch.source if batch is not None else "") or path.name, path.name, url, as_of, license),
                    )
                )
                if batch is not None:
                    large = _large(conn, batch)
                    with fts_deferred(conn) if large else contextlib.nullcontext(Deferral()) as deferral:
                        deferral.rebuild = _write_lists(
                            conn, path, batch, import_id, source_id, as_of or today(), report, snapshot, progress, regroup, keys, large
                        )
                elif fmt in MAPPED_FORMATS:
                    MAPPED_FORMATS[fmt](conn, path, source_id, report, column_map or {})
                else:
                    TABLE_FORMATS[fmt](conn, path, source_id, report)
                conn.executemany(
                    "INSERT INTO rejects (import_id, file, line, field, error, raw) VALUES (?,?,?,?,?,?)",
                    [(import_id, str(path), r.line, r.field, r.error, r.raw) for r in report.rejects],
                )
                _finish(conn, import_id, report, "ok")
        except BaseException as exc:
            message = str(exc) if isinstance(exc, ImportFailed | sqlite3.Error) else type(exc).__name__
            try:
                with transaction(conn):
                    _finish(conn, import_id, report, "failed", message)
            except sqlite3.Error:
                pass  # the log keeps "running": shown as "did not finish"
            if isinstance(exc, StoreBusy):
                raise ImportFailed(f"{path}: {exc}") from None
            if isinstance(exc, sqlite3.Error):
                raise ImportFailed(f"{path}: nothing imported: {explain(store_path(conn), exc)}") from None
            raise
    return report


def _read_list_file(path: Path, fmt: str, report: ImportReport) -> ListBatch:
    """A CSL or OFAC file read whole: its records grouped, its lists, and the newest listing date as its date."""
    records: list[ListRecord] = []
    for item in LIST_FORMATS[fmt](path):
        report.rows_read += 1
        if isinstance(item, Reject):
            report.rejects.append(item)
        else:
            records.append(item)
    if not records and not report.rejects:
        raise ImportFailed(f"{path}: no rows")
    dates = [r.start_date for r in records if len(r.start_date) == 10 and plausible_date(r.start_date)]
    as_of = LIST_DATES[fmt](path) if fmt in LIST_DATES else None
    return ListBatch(records=group_records(records), lists=sorted({r.list for r in records}), as_of=as_of or (max(dates) if dates else None))


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last shorter), read as they are needed."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _large(conn: sqlite3.Connection, batch: ListBatch) -> bool:
    """Whether the file is large beside the store (a quarter of its records or more): an index rebuilt once after its
    writes then costs less than one kept row by row. Its import then rebuilds the full-text indexes once at its end (if
    it wrote names: ``db.fts_deferred``) and makes :data:`DEFERRED_INDEXES` once after its writes."""
    return bool(batch.coming * 4 >= conn.execute("SELECT coalesce(max(id), 0) FROM entities").fetchone()[0])


# Indexes a large list file's writes leave to the end (see db.indexes_deferred): keyed on folded text, in random order,
# and read by no query of the writes (records are matched by key, their rows read by entity).
DEFERRED_INDEXES = ("names_latn", "addresses_norm")


def _refuse_older(conn: sqlite3.Connection, path: Path, lists: list[str], as_of: str) -> None:
    for list_code in lists:
        row = conn.execute(
            "SELECT max(as_of) FROM imports WHERE status = 'ok' AND (',' || lists || ',') LIKE ?",
            (f"%,{list_code},%",),
        ).fetchone()
        if row[0] and row[0] > as_of:
            raise ImportFailed(
                f"{path}: snapshot of {list_code} as of {as_of} is older than the one in the store ({row[0]}); use --force to import it anyway"
            )


# A file that would remove more than this share of a list's active entries (and at least HOLD_MIN of them) is held:
# it is likely part of the list (an extract, a filtered download), not the whole; --snapshot says it is whole.
HOLD_SHARE = 0.25
HOLD_MIN = 3


def _write_lists(
    conn: sqlite3.Connection,
    path: Path,
    batch: ListBatch,
    import_id: int,
    source_id: int,
    as_of: str,
    report: ImportReport,
    snapshot: bool | None,
    progress: Progress | None = None,
    regroup: bool = True,
    shared: KeyWorkers | None = None,
    large: bool = False,
) -> bool:
    """Write a list file's records, mark what it no longer lists, group; return whether any text the full-text indexes
    hold was written (names, or records made)."""
    seen: dict[str, set[int]] = defaultdict(set)
    own = contextlib.nullcontext(shared) if shared is not None else KeyWorkers(parallel=batch.coming >= PARALLEL_MIN)
    deferred = indexes_deferred(conn, DEFERRED_INDEXES) if large else contextlib.nullcontext()
    with own as keys, deferred:
        writer = SnapshotWriter(conn, import_id, source_id, as_of, report, keys)
        records = batch.records
        if isinstance(records, list):  # a file read whole (CSL, OFAC, XML lists): its rows of one stored record merged
            rejected = [r for r in records if isinstance(r, Reject)]
            kept = [r for r in records if not isinstance(r, Reject)]
            writer.look_up(kept)
            records = [*rejected, *merge_by_target(kept, writer.find)]
            del kept  # the records are let go once written (see below)
        number = 0
        for chunk in _chunks(records, writer.PREFETCH):
            writer.prefetch([r for r in chunk if not isinstance(r, Reject)])
            for rec in chunk:
                number += 1
                if progress and number % 10_000 == 0:
                    progress(f"{number:,} records written" + (f" of about {batch.size:,}" if batch.size else ""))
                if isinstance(rec, Reject):
                    report.rejects.append(rec)
                    continue
                eid = writer.apply(rec)
                if not rec.context:
                    seen[rec.list].add(eid)
        chunk = rec = None  # type: ignore[assignment]  # written: none of the file's records is held through resolution
        writer.flush()
    records = batch.records = []  # written: not held through resolution (a 100,000-row file's records are 230 MB)
    if batch.scope:
        report.notes.append(f"source {batch.scope.removeprefix('ftm:').rstrip(':')}")
    if snapshot is False:
        report.notes.append("part of a list: added and updated, nothing removed")
    elif report.rejects:
        report.notes.append("removals not applied: rejected rows might be entities still listed")
    elif batch.scope:  # a whole FollowTheMoney source: every list it has records on
        if snapshot:
            codes = [
                c
                for (c,) in conn.execute(
                    "SELECT DISTINCT l.list FROM listings l JOIN entities e ON e.id = l.entity_id WHERE e.key >= ? AND e.key < ?",
                    (batch.scope, batch.scope + "\uffff"),
                )
            ]
            for code in codes:
                writer.mark_removed(code, seen.get(code, set()), batch.scope)
    else:
        for code in batch.lists or []:
            active = writer.active(code, "")
            gone = [(lid, eid) for lid, eid in active if eid not in seen[code]]
            if snapshot is None and len(gone) >= HOLD_MIN and len(gone) > HOLD_SHARE * len(active):
                raise ImportFailed(
                    f"{path}: held: it would remove {len(gone):,} of the {len(active):,} active {code} listings, so it looks like "
                    f"part of the list; import it with --partial to add and update only, or --snapshot if it is the whole list"
                )
            writer.remove(code, gone)
    writer.point_links()
    resolve_links(conn)
    if regroup:
        if progress:
            progress("grouping the records (resolution)")
        report.notes.append(resolve.describe(resolve.regroup(conn, writer.touched)))
    else:
        resolve.blocks_stale(conn)
    return writer.wrote_text
