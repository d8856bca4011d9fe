"""Batch screening: a file of counterparties in, each row's best matches out, with why and a summary by list.

The same engine and normalisation as search (:class:`store.search.SearchIndex`). A country given for a
row counts against a match in a country that does not meet it (Hong Kong and Macau meet China).
Runs, their rows and the user's triage decisions are user data (``user_screening_*``), kept across
re-imports and rebuilds, each run with the list snapshots it was screened against.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import multiprocessing as mp
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from .countries import country_code, same_place
from .db import IN_JSON, as_json, inserted, now, rows, transaction, user
from .errors import ImportFailed, first_line
from .export import csv_cell, write_whole
from .importers import LIST_FORMATS, STREAM_FORMATS
from .importers.reading import json_lines, read_text, sniff_delimiter, split_lines
from .models import Audit, ScreeningRow, ScreeningRun, jsonable, of_row
from .normalize import NameKeys, analyze
from .search import MAX_QUERY, Hit, SearchIndex, query_keys

THRESHOLD = 85.0
NAME_COLUMNS = (
    "name",
    "company",
    "company_name",
    "counterparty",
    "party",
    "entity",
    "supplier",
    "customer",
    "exporter",
    "importer",
    "consignee",
    "shipper",
    "beneficiary",
)
COUNTRY_COLUMNS = ("country", "country_code", "jurisdiction", "nationality")
TRIAGE_DECISIONS = ("match", "no match", "review")
COUNTRY_PENALTY = 15.0
LISTS = (*LIST_FORMATS, *STREAM_FORMATS)  # the import formats that carry listings
SCREEN_CANDIDATES = 250  # names rescored per row (search rescores 400: it shows a page, screening keeps three)
SCREEN_BUDGET = 5_000  # postings read per row (search reads 30,000: a word being typed may stand for many)


class ScreenFailed(ImportFailed):
    """A screening input that cannot be read at all (one line naming file, line and field)."""


@dataclass(slots=True)
class Row:
    """One counterparty as read from the input."""

    line: int
    name: str
    country: str
    fields: dict[str, str]
    country_given: str = ""  # the country as written, when it is not one we know (reported, never cut to two letters)


@dataclass(slots=True)
class Result:
    """One row screened: its best matches (score ≥ threshold first), why, and the status."""

    row: Row
    matches: list[dict[str, Any]] = field(default_factory=list)
    status: str = "no match"  # "potential match", "no match", "rejected"
    error: str = ""

    @property
    def best(self) -> dict[str, Any] | None:
        return self.matches[0] if self.matches else None

    def fingerprint(self) -> str:
        """What a rerun compares: status, best entity, its lists."""
        b = self.best
        return json.dumps([self.status, b["key"] if b else None, b["lists"] if b else []])


# -- reading the input ---------------------------------------------------------------------------


def read_rows(path: Path, name_column: str | None = None, country_column: str | None = None) -> tuple[list[str], list[Row], list[Row]]:
    """(columns, rows, rejected rows) of a CSV, TSV, JSON-lines or Parquet file; one-line errors for what cannot be read."""
    if path.suffix.lower() == ".parquet":
        records = _parquet(path)
    else:
        try:
            text = read_text(path)
        except ImportFailed as exc:
            raise ScreenFailed(str(exc)) from None
        if not text.strip():
            raise ScreenFailed(f"{path}: file is empty")
        records = _json_lines(path, text) if text.lstrip().startswith("{") else _delimited(path, text)
    columns = list(dict.fromkeys(k for _, rec in records[:1000] for k in rec))
    name_col = _pick(path, columns, name_column, NAME_COLUMNS, "name", required=True) or ""
    country_col = _pick(path, columns, country_column, COUNTRY_COLUMNS, "country", required=False)
    good: list[Row] = []
    bad: list[Row] = []
    for line, rec in records:
        name = str(rec.get(name_col) or "").strip()
        given = str(rec.get(country_col) or "").strip() if country_col else ""
        country = country_code(given) or "" if given else ""
        row = Row(line, name[:MAX_QUERY], country, {k: "" if v is None else str(v) for k, v in rec.items()}, given if given and not country else "")
        (good if name and analyze(name[:MAX_QUERY]).latn else bad).append(row)
    return columns, good, bad


def _delimited(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.reader(split_lines(text), delimiter=sniff_delimiter(text.split("\n", 1)[0]))
    out: list[tuple[int, dict[str, Any]]] = []
    header: list[str] | None = None
    line = 1
    try:
        for cells in reader:
            here, line = line, reader.line_num + 1
            if not cells or not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [c.strip() for c in cells]
                continue
            out.append((here, dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=False))))
    except csv.Error as exc:
        raise ScreenFailed(f"{path}:{line}: CSV error ({exc})") from None
    return out


def _parquet(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """A Parquet file's rows (pyarrow, of the optional ``dask`` extra), numbered from 1 as a line is in a text file."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ScreenFailed(f"{path}: reading Parquet needs pyarrow: pip install 'watchlist[dask]'") from None
    try:
        table = pq.read_table(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise ScreenFailed(f"{path}: not a Parquet file that can be read ({first_line(exc)})") from None
    if not table.num_rows:
        raise ScreenFailed(f"{path}: file is empty")
    return list(enumerate(table.to_pylist(), 1))


def _json_lines(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for number, item in json_lines(path, text):
        if not isinstance(item, dict):
            raise ScreenFailed(f"{path}:{number}: expected one JSON object per line")
        out.append((number, item))
    return out


def _pick(path: Path, columns: list[str], given: str | None, known: tuple[str, ...], what: str, required: bool) -> str | None:
    if given:
        if given not in columns:
            raise ScreenFailed(f"{path}:1: no column {given!r} (columns: {', '.join(columns[:20]) or 'none'})")
        return given
    lowered = {c.lower().strip(): c for c in columns}
    found = next((lowered[k] for k in known if k in lowered), None)
    if found is None and required:
        raise ScreenFailed(f"{path}:1: no {what} column found; pass --{what}-column (columns: {', '.join(columns[:20]) or 'none'})")
    return found


# -- screening ------------------------------------------------------------------------------------


def _country_differs(mine: str, theirs: tuple[str, ...] | list[str]) -> bool:
    """True if the row gives a country and the entity has countries, none of which meets it."""
    return not same_place([mine], theirs)


def why(q: NameKeys, m: NameKeys, hit: Hit) -> str:
    """Which name matched and which normalisation made it match (``q``, ``m``: the keys of the row and of the matched name)."""
    kind = "primary name" if hit.matched_kind == "primary" else hit.matched_kind if hit.matched_kind.endswith("alias") else f"{hit.matched_kind} alias"
    if q.latn == m.latn:
        how = "same name once folded (case, punctuation, legal form spelling, script)"
    elif q.core == m.core:
        how = "same distinctive name; legal form, place or industry words differ"
    elif sorted(q.core.split()) == sorted(m.core.split()):
        how = "same words in another order"
    else:
        how = "close spelling (fuzzy)"
    return f"{kind} {hit.matched_name!r}: {how}"


def screen_row(index: SearchIndex, row: Row, threshold: float = THRESHOLD, keep: int = 3) -> Result:
    """Screen one row: its best ``keep`` matches scoring at least ``threshold`` after the country check."""
    return screen_rows(index, [row], threshold, keep)[0]


def rejected(rows: list[Row]) -> list[Result]:
    """Rows that cannot be screened, as results saying why (``read_rows`` set them aside)."""
    return [
        Result(r, status="rejected", error="empty name" if not r.name.strip() else "nothing in the name can be matched (no letters or digits)")
        for r in rows
    ]


def screen_rows(index: SearchIndex, rows: list[Row], threshold: float = THRESHOLD, keep: int = 3) -> list[Result]:
    """Screen rows together: each matched on its own, then one read of the store for all their matches' names."""
    ranked = [_rank(index, row, threshold, keep) for row in rows]
    found = index.hits([k for _, kept in ranked for k in kept])
    listed = _listings(index, {key for hit in found for key in hit.records})
    hits = iter(found)
    results = []
    for row, (q, kept) in zip(rows, ranked, strict=True):
        matches = []
        for _, nid, _ in kept:
            hit = next(hits)
            note = why(q, NameKeys(index.latn(nid), index.core(nid)), hit)
            if _country_differs(row.country, hit.countries):
                note += f"; country differs ({row.country} vs {', '.join(hit.countries)})"
            matches.append(
                {
                    "entity_id": hit.entity_id,
                    "key": hit.key,
                    "name": hit.name,
                    "matched_name": hit.matched_name,
                    "score": round(hit.score, 1),
                    "lists": hit.lists,
                    "status": hit.status,
                    "countries": hit.countries,
                    "records": hit.records,
                    "why": note,
                    "listings": [x for key in hit.records for x in listed.get(key, ())],
                }
            )
        results.append(Result(row, matches, "potential match" if matches else "no match"))
    return results


def _listings(index: SearchIndex, keys: set[str]) -> dict[str, list[dict[str, str]]]:
    """Each record's listings, as a compliance file cites them: list, status, program, citation, listed since."""
    out: dict[str, list[dict[str, str]]] = {}
    if not keys:
        return out
    for key, code, status, programs, citation, start in index._db().execute(
        "SELECT e.key, l.list, l.status, coalesce(l.programs, ''), coalesce(l.citation, ''), coalesce(l.start_date, '')"
        f" FROM listings l JOIN entities e ON e.id = l.entity_id WHERE e.key {IN_JSON} ORDER BY l.status, l.list",
        (as_json(sorted(keys)),),
    ):
        out.setdefault(key, []).append({"list": code, "status": status, "programs": programs, "citation": citation, "listed": start})
    return out


def _rank(index: SearchIndex, row: Row, threshold: float, keep: int) -> tuple[NameKeys, list[tuple[int, int, float]]]:
    """The row's keys and its best ``keep`` (entity, name number, score) at ``threshold`` or more.

    Words as written are tried first; misspellings only when that left the row without a match.
    """
    floor = max(threshold - COUNTRY_PENALTY, 50) if row.country else threshold
    qs = query_keys(row.name[:MAX_QUERY], index.says)
    if not qs[0].latn:
        return qs[0], []
    found: list[tuple[int, int, float]] = []
    # Only entities a list names can match (not a source's context records, nor documented suppliers): the others are
    # never candidates, so that they cannot crowd listed ones out of the names scored.
    listed = index.only_listed
    for q in qs:  # a Cyrillic name is also tried with its words translated
        scored: dict[int, float] = {}
        more: list[tuple[int, int, float]] = (
            index.ranked(q, allowed=listed, min_score=floor, typos=False, candidates=SCREEN_CANDIDATES, budget=SCREEN_BUDGET, scored=scored) or []
        )
        if not more or more[0][2] < threshold:
            more = index.ranked(q, allowed=listed, min_score=floor, candidates=SCREEN_CANDIDATES, budget=SCREEN_BUDGET, scored=scored) or []
        found += more
    found = found if len(qs) == 1 else index.in_order(found)
    q = qs[0]
    if row.country:
        found = [(e, n, s - COUNTRY_PENALTY if _country_differs(row.country, index.countries[e]) else s) for e, n, s in found]
        found.sort(key=lambda f: -f[2])
    return q, [f for f in found if f[2] >= threshold][:keep]


def screen(
    index: SearchIndex, rows: list[Row], threshold: float = THRESHOLD, progress: Callable[[int], None] | None = None, workers: int = 1
) -> Iterator[Result]:
    """Screen every row, in order; ``progress(n)`` after each slice of ``SLICE`` rows.

    With ``workers`` > 1 (and ``fork``, so not on Windows) forked processes share the index
    copy-on-write and screen slices of ``PARALLEL_SLICE`` rows; results come back in order.
    """
    many = len(rows) >= LISTED_ROWS
    prepare(index, many)  # made once, before any worker is forked
    if workers > 1 and len(rows) > PARALLEL_SLICE and "fork" in mp.get_all_start_methods():
        yield from _screen_forked(index, rows, threshold, progress, workers, whole_vocabulary=not many)
        return
    for start in range(0, len(rows), SLICE):
        yield from screen_rows(index, rows[start : start + SLICE], threshold)
        if progress:
            progress(min(len(rows), start + SLICE))


def prepare(index: SearchIndex, many: bool) -> None:
    """Make ready what screening rows reads: a large expansion cache (rows share words: each is expanded once), and
    for ``many`` rows the listed names' own postings and words (``listed_typos``), else their mask."""
    index.cache_limit = max(index.cache_limit, 500_000)
    if many:
        index.listed_typos()  # (and the listed postings it is made from)
    else:
        index.listed_names()


LISTED_ROWS = 2_000  # from this many rows, the listed names' own postings are made to read (SearchIndex.listed_postings)
SLICE = 100  # rows screened between two progress reports (their display names are read in one go)
PARALLEL_SLICE = 500  # rows a worker screens at a time
_SHARED: tuple[SearchIndex, list[Row], float] | None = None  # what forked workers read (set before the fork)


def _screen_forked(
    index: SearchIndex, rows: list[Row], threshold: float, progress: Callable[[int], None] | None, workers: int, whole_vocabulary: bool
) -> Iterator[Result]:
    global _SHARED
    _SHARED = (index, rows, threshold)
    index.warm(typos=whole_vocabulary, browsing=False)  # made once here, shared by the workers
    gc.freeze()  # before the fork: the children's collectors leave the shared index (and its pages) alone
    try:
        with mp.get_context("fork").Pool(workers, initializer=index.forget_connections) as pool:
            done = 0
            for results in pool.imap(_screen_slice, range(0, len(rows), PARALLEL_SLICE)):
                yield from results
                done += len(results)
                if progress:
                    progress(done)
    finally:
        _SHARED = None


def _screen_slice(start: int) -> list[Result]:
    assert _SHARED is not None
    index, rows, threshold = _SHARED
    return screen_rows(index, rows[start : start + PARALLEL_SLICE], threshold)


def summary(results: list[Result]) -> dict[str, Any]:
    """Counts: rows, potential matches, rejected, and rows with a match per list."""
    by_list: Counter[str] = Counter()
    for r in results:
        if r.best:
            by_list.update(set(r.best["lists"]))
    return {
        "rows": len(results),
        "potential_matches": sum(r.status == "potential match" for r in results),
        "no_match": sum(r.status == "no match" for r in results),
        "rejected": sum(r.status == "rejected" for r in results),
        "by_list": dict(by_list.most_common()),
        "unknown_countries": sorted({r.row.country_given for r in results if r.row.country_given}),
    }


# -- writing the output (all or nothing) ------------------------------------------------------------

OUT_FIELDS = (
    "status",
    "score",
    "entity_id",
    "entity_key",
    "matched_name",
    "entity_name",
    "lists",
    "listing_status",
    "programs",
    "citations",
    "listed_since",
    "why",
    "other_matches",
    "country_read",
)


def _by_list(listings: list[dict[str, str]], field: str) -> str:
    """One listing fact of every active listing, each after its list ("EL: 87 FR 38925; SDN: RUSSIA-EO14024")."""
    facts = dict.fromkeys(f"{x['list']}: {x[field]}" for x in listings if x[field] and x["status"] == "active")
    return "; ".join(facts)


def out_row(r: Result) -> dict[str, Any]:
    b = r.best or {}
    return {
        "status": r.status if not r.error else f"rejected: {r.error}",
        "score": b.get("score", ""),
        "entity_id": b.get("entity_id", ""),
        "entity_key": b.get("key", ""),
        "matched_name": b.get("matched_name", ""),
        "entity_name": b.get("name", ""),
        "lists": " ".join(b.get("lists", [])),
        "listing_status": b.get("status", ""),
        "programs": _by_list(b.get("listings", []), "programs"),
        "citations": _by_list(b.get("listings", []), "citation"),
        "listed_since": _by_list(b.get("listings", []), "listed"),
        "why": b.get("why", ""),
        "other_matches": "; ".join(f"{m['name']} ({m['score']}, {' '.join(m['lists'])})" for m in r.matches[1:]),
        "country_read": r.row.country or (f"not recognised: {r.row.country_given}" if r.row.country_given else ""),
    }


def result_chunks(results: list[Result], columns: list[str], fmt: str) -> list[str]:
    """Every input row with its result as CSV, TSV or JSON lines; header and cells defused for spreadsheets."""

    if fmt == "jsonl":
        return [json.dumps({"line": r.row.line, "input": r.row.fields, **out_row(r), "matches": r.matches}, ensure_ascii=False) + "\n" for r in results]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t" if fmt == "tsv" else ",")
    writer.writerow(["line", *[csv_cell(c) for c in columns], *OUT_FIELDS])
    for r in results:
        cells = out_row(r)
        writer.writerow([r.row.line, *[csv_cell(r.row.fields.get(c, "")) for c in columns], *[csv_cell(cells[k]) for k in OUT_FIELDS]])
    return [buffer.getvalue()]


def write_results(results: list[Result], columns: list[str], out: Path, fmt: str) -> None:
    """Write every input row with its result to ``out``, whole or not at all."""

    write_whole(out, result_chunks(results, columns, fmt))


# -- runs, reruns, triage (user data) -------------------------------------------------------------


def snapshot(db: sqlite_utils.Database) -> dict[str, str]:
    """The newest snapshot date of each list in the store (from list files and FtM/OpenSanctions imports): what a run was screened against."""
    out: dict[str, str] = {}
    for lists, as_of in db.conn.execute(
        f"SELECT lists, as_of FROM imports WHERE status = 'ok' AND format IN ({','.join('?' * len(LISTS))}) ORDER BY id", LISTS
    ):
        for code in (lists or "").split(","):
            if code and as_of:
                out[code] = max(out.get(code, ""), as_of)
    return out


def file_hash(path: Path) -> str:
    """SHA-256 of a screened file's bytes (which runs were of the same file)."""
    with path.open("rb") as f:  # an input file, never the store
        return hashlib.file_digest(f, "sha256").hexdigest()


StoredRow = tuple[int, str, str, str, str, str | None, float | None, str, str, str]  # a run's row as kept (save_rows)


def save_run(
    db: sqlite_utils.Database,
    path: Path | str,
    results: list[Result],
    threshold: float,
    digest: str | None = None,
) -> int:
    """Keep a run and all its rows; return its id (a distributed run, which keeps only the rows worth triage, read
    from files, calls ``save_rows`` with its own totals)."""
    return save_rows(db, path, map(stored_row, results), threshold, digest, summary(results))


def save_rows(
    db: sqlite_utils.Database, path: Path | str, rows: Iterable[StoredRow], threshold: float, digest: str | None, totals: dict[str, Any]
) -> int:
    """``save_run`` from rows as ``stored_row`` gives them, read as they are inserted (a distributed run's millions of
    potential matches come from its partitions' files, never all in memory); one transaction: all of it or nothing."""
    digest = digest or file_hash(Path(path))
    with transaction(db.conn) as conn:
        run_id = inserted(
            conn.execute(
                "INSERT INTO user_screening_runs (file, content_hash, started, user, threshold, snapshot, summary) VALUES (?,?,?,?,?,?,?)",
                (str(path), digest, now(), user(), threshold, json.dumps(snapshot(db)), json.dumps(totals)),
            )
        )
        conn.executemany(
            "INSERT INTO user_screening_rows (run_id, line, name, country, input, status, entity_key, score, lists, matches,"
            " fingerprint) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            ((run_id, *row) for row in rows),
        )
    return run_id


def stored_row(r: Result) -> StoredRow:
    """A screened row as a run keeps it: line, name, country, input (JSON), status, best entity, its score and lists,
    every match (JSON), and what a rerun compares."""
    b = r.best
    return (
        r.row.line,
        r.row.name,
        r.row.country,
        json.dumps(r.row.fields, ensure_ascii=False),
        r.status,
        b["key"] if b else None,
        b["score"] if b else None,
        " ".join(b["lists"]) if b else "",
        json.dumps(r.matches, ensure_ascii=False),
        r.fingerprint(),
    )


def previous_run(db: sqlite_utils.Database, path: Path | str, before: int | None = None, digest: str | None = None) -> int | None:
    """The latest earlier run of the same file (by name or content)."""
    digest = digest or file_hash(Path(path))
    row = db.conn.execute(
        "SELECT max(id) FROM user_screening_runs WHERE (file = ? OR content_hash = ?) AND id < ?", (str(path), digest, before or 1 << 62)
    ).fetchone()
    return row[0]


def changed_lines(db: sqlite_utils.Database, run_id: int, earlier: int) -> set[int]:
    """Lines whose result (status, best entity, its lists) differs from an earlier run of the file."""
    old = dict(db.conn.execute("SELECT line, fingerprint FROM user_screening_rows WHERE run_id = ?", (earlier,)))
    return {
        line for line, fp in db.conn.execute("SELECT line, fingerprint FROM user_screening_rows WHERE run_id = ?", (run_id,)) if old.get(line) != fp
    }


def runs(db: sqlite_utils.Database) -> list[ScreeningRun]:
    """Every run, newest first, with counts of triaged rows."""
    out = rows(
        db.conn,
        "SELECT r.id, r.file, r.started, r.user, r.threshold, r.snapshot, r.summary,"
        " (SELECT count(*) FROM user_screening_rows x WHERE x.run_id = r.id) AS rows,"
        " (SELECT count(*) FROM user_screening_decisions d WHERE d.run_id = r.id) AS decided"
        " FROM user_screening_runs r ORDER BY r.id DESC",
    )
    # rows: those the summary counted (a distributed run keeps only the rows worth triage), else those kept
    return [
        of_row(ScreeningRun, r, snapshot=json.loads(r["snapshot"]), summary=(s := json.loads(r["summary"])), rows=s.get("rows", r["rows"])) for r in out
    ]


def run_rows(db: sqlite_utils.Database, run_id: int) -> list[ScreeningRow]:
    """A run's rows with their matches and the user's decision, potential matches first."""
    out = rows(
        db.conn,
        "SELECT x.line, x.name, x.country, x.status, x.entity_key, x.score, x.lists, x.matches,"
        " d.decision, d.note, d.decided_at, d.user FROM user_screening_rows x"
        " LEFT JOIN user_screening_decisions d ON d.run_id = x.run_id AND d.line = x.line"
        " WHERE x.run_id = ? ORDER BY x.status != 'potential match', x.score DESC, x.line",
        (run_id,),
    )
    return [of_row(ScreeningRow, r, matches=tuple(json.loads(r["matches"]))) for r in out]


def decide(db: sqlite_utils.Database, run_id: int, line: int, decision: str, note: str | None = None) -> None:
    """Mark a row: match, no match or review; who and when are recorded as a new event (earlier ones stay).

    ``note`` None keeps the row's earlier note; a text (even "") replaces it.
    """
    if decision not in TRIAGE_DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(TRIAGE_DECISIONS)}")
    with transaction(db.conn) as conn:
        key = conn.execute("SELECT entity_key FROM user_screening_rows WHERE run_id = ? AND line = ?", (run_id, line)).fetchone()
        if key is None:
            raise ValueError(f"run {run_id} has no line {line}")
        conn.execute(
            "INSERT INTO user_screening_events (run_id, line, entity_key, decision, note, decided_at, user) VALUES (?,?,?,?,?,?,?)",
            (run_id, line, key[0], decision, note, now(), user()),
        )


def decisions(db: sqlite_utils.Database, run_id: int, line: int) -> list[dict[str, Any]]:
    """Every decision taken on a row, oldest first (the audit trail behind its current state)."""
    return rows(db.conn, "SELECT decision, note, decided_at, user FROM user_screening_events WHERE run_id = ? AND line = ? ORDER BY id", (run_id, line))


def audit(db: sqlite_utils.Database, run_id: int) -> Audit:
    """The audit record of a run: what was screened against what, and every row with its decision."""
    found = [r for r in runs(db) if r.id == run_id]
    if not found:
        raise ValueError(f"no screening run {run_id}")
    return Audit(found[0], tuple(run_rows(db, run_id)))


AUDIT_FIELDS = (
    "run_id",
    "file",
    "screened_at",
    "screened_by",
    "threshold",
    "snapshot",
    "line",
    "name",
    "country",
    "status",
    "entity_key",
    "entity_name",
    "matched_name",
    "score",
    "lists",
    "programs",
    "citations",
    "listed_since",
    "decision",
    "note",
    "decided_at",
    "decided_by",
)


def audit_text(record: Audit, fmt: str) -> str:
    """The audit record as JSON or CSV (one row per screened line)."""
    if fmt == "json":
        return json.dumps(jsonable(record), ensure_ascii=False, indent=2)

    run = record.run
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(AUDIT_FIELDS)
    snap = "; ".join(f"{k} {v}" for k, v in sorted(run.snapshot.items()))
    for r in record.rows:
        writer.writerow(
            [
                csv_cell(v)
                for v in (
                    run.id,
                    run.file,
                    run.started,
                    run.user,
                    run.threshold,
                    snap,
                    r.line,
                    r.name,
                    r.country,
                    r.status,
                    r.entity_key,
                    r.best.get("name", ""),
                    r.best.get("matched_name", ""),
                    r.score,
                    r.lists,
                    _by_list(r.best.get("listings", []), "programs"),
                    _by_list(r.best.get("listings", []), "citation"),
                    _by_list(r.best.get("listings", []), "listed"),
                    r.decision,
                    r.note,
                    r.decided_at,
                    r.user,
                )
            ]
        )
    return out.getvalue()
