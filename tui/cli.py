"""The ``watchlist`` command (click): the explorer by default, and a subcommand for each thing a script does with the store:
import, init, seed, search, show, network, stats, rejects, changes, goods, trade, screen, screenings, resolve, alias, links, export, backup,
userdata, datasette-metadata. Errors end in one line (exit 1; usage: exit 2), never a traceback."""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import gc
import json
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import click
import sqlite_utils

from watchlist.store import ImportFailed, ReadOnlyStore, StoreError, connect, default_path, ftm, importers, queries, screening, seed
from watchlist.store import backup as backup_
from watchlist.store import changes as changes_
from watchlist.store import db as db_mod
from watchlist.store import distributed as distributed_
from watchlist.store import export as export_mod
from watchlist.store import hs as hs_
from watchlist.store import links as links_
from watchlist.store import network as network_
from watchlist.store import resolve as resolve_
from watchlist.store import trade as trade_
from watchlist.store import update as update_
from watchlist.store import userdata as userdata_
from watchlist.store.changes import describe
from watchlist.store.datasette import metadata
from watchlist.store.errors import BadOutput
from watchlist.store.export import write_whole
from watchlist.store.importers.reading import ENCODING, is_stream, spool
from watchlist.store.importers.records import ImportReport
from watchlist.store.importers.shipments import parse_map
from watchlist.store.index_file import open_index
from watchlist.store.models import Candidate, jsonable
from watchlist.store.normalize import analyze
from watchlist.store.resolve import members
from watchlist.store.search import MIN_SCORE, parse_query
from watchlist.store.vocabulary import PSEUDO_CODES

from .safe import safe_json, safe_text

ID = click.IntRange(1, 2**63 - 1)  # ids as SQLite stores them: anything else is one line and exit 2
PROGRESS = {"quiet": False}


def _fail(message: str) -> NoReturn:
    echo(f"watchlist: {message}", err=True)
    sys.exit(1)


def echo(message: object = "", **kwargs: Any) -> None:
    """Print a human-readable line: control, escape, bidi and zero-width characters from the data shown visibly (``\\x1b``)."""
    click.echo(safe_text(message), **kwargs)


def _echo_json(data: Any) -> None:
    """JSON stays exact (its escapes already keep control characters off the terminal); read models as their fields."""
    click.echo(safe_json(jsonable(data), indent=2))


def _usage(message: str) -> NoReturn:
    """A malformed argument: one line, exit 2."""
    echo(f"watchlist: {message}", err=True)
    sys.exit(2)


def _set_encoding(name: str | None) -> str | None:
    """--encoding: checked at once (an unknown name is one line, exit 2), then used by every text read."""
    if name:
        try:
            codecs.lookup(name)
        except LookupError:
            _usage(f"--encoding {name!r}: no such encoding (try cp1252, gb18030, latin-1, utf-16)")
    ENCODING["name"] = name
    return name


def _ref(ref: str) -> str:
    """An entity reference as given: an id (digits) or a key ("ofac:38641"); anything else is refused with exit 2."""
    if not ref.strip() or len(ref) > 500 or any(not c.isprintable() for c in ref):
        _usage(f"{ref!r}: not an entity id or key (ids are digits, keys look like ofac:38641)")
    if ref.isdigit() and (not ref.isascii() or len(ref) > 18):
        _usage(f"{ref!r}: not an entity id (ids are up to 18 of the digits 0-9)")
    return ref


def _progress(number: int, total: int, item: seed.SeedFile, report: ImportReport | None) -> None:
    """Seed progress: on a terminal a line per file that completes itself; in a log only the finished lines; none with --quiet."""
    if PROGRESS["quiet"]:
        return
    tty = sys.stderr.isatty()
    if report is None:
        if tty:
            echo(f"[{number}/{total}] {item.path} …", err=True, nl=False)
    else:
        if tty:
            click.echo("\r", err=True, nl=False)
        echo(f"[{number}/{total}] {report.summary().split('/')[-1]}", err=True)


def _import_progress(path: Path):
    """A long import's progress on a terminal: one line that rewrites itself (nothing in a log or with --quiet)."""
    if PROGRESS["quiet"] or not sys.stderr.isatty():
        return None

    def show(text: str) -> None:
        click.echo(f"\r{safe_text(path.name)}: {text} …\x1b[K", err=True, nl=False)

    return show


class Context:
    """What every subcommand needs: where the store is, opened on first use."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._db: sqlite_utils.Database | None = None
        self.readonly = False

    def db(self, *, build: bool = True, write: bool = False) -> sqlite_utils.Database:
        """The open store, built from the seed first if it is empty; read-only (browsing) if it cannot be written."""
        if self._db is None:
            try:
                try:
                    self._db = connect(self.db_path)
                except StoreError as exc:
                    full = "is full" in str(exc)
                    if write or not (full or isinstance(exc, ReadOnlyStore)):
                        raise
                    self._db = connect(self.db_path, readonly=True)
                    self.readonly = True
                    if not seed.is_built(self._db):
                        raise StoreError(f"{self.db_path}: the store is read-only and empty; nothing to show") from exc
                    why = "the disk holding it is full" if full else "read-only store"
                    echo(f"watchlist: {self.db_path}: {why}, browsing only", err=True)
                if build and not seed.is_built(self._db):
                    if not PROGRESS["quiet"]:
                        echo(f"Building the store at {self.db_path} from the bundled seed…", err=True)
                    started = time.perf_counter()
                    seed.build(self._db, progress=_progress)
                    if not PROGRESS["quiet"]:
                        echo(f"Built in {time.perf_counter() - started:.1f} s.", err=True)
            except (StoreError, ImportFailed) as exc:
                _fail(str(exc))
        return self._db


class _Group(click.Group):
    """The command group: a busy, full or damaged store, or an unwritable output, ends in one line, not a traceback."""

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None, **extra: Any
    ) -> Any:
        """Usage errors in one line (exit 2), not click's three; a closed pipe ends quietly."""
        extra.pop("standalone_mode", None)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            sys.stdout.flush()
        except click.UsageError as exc:
            names, ctx = [], exc.ctx
            while ctx is not None and ctx.parent is not None:
                names.append(ctx.info_name or "")
                ctx = ctx.parent
            command = "".join(f" {n}" for n in reversed(names))
            echo(f"watchlist{command}: {exc.format_message()} (see watchlist{command} --help)", err=True)
            sys.exit(2)
        except click.Abort:
            echo("watchlist: stopped", err=True)
            sys.exit(1)
        except click.ClickException as exc:
            echo(f"watchlist: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except BrokenPipeError:
            _quiet_pipe()
        return code

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # the reader stopped reading (… | head): end quietly
            _quiet_pipe()
        except (StoreError, BadOutput, ImportFailed) as exc:
            _fail(str(exc))
        except sqlite3.Error as exc:
            path = getattr(ctx.obj, "db_path", "store")
            _fail(db_mod.explain(path, exc))
        except OSError as exc:  # an output file or folder that cannot be written
            _fail(f"{exc.filename or 'output'}: cannot write ({exc.strerror or exc})")


def _quiet_pipe() -> None:
    """Point stdout at /dev/null so Python's exit flush does not complain, and exit 0."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
    sys.exit(0)


@click.group(cls=_Group, invoke_without_command=True)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="WATCHLIST_DB",
    help="Store file (default: $WATCHLIST_DB or the user data directory).",
)
@click.option(
    "--wait",
    "wait_s",
    type=click.FloatRange(0),
    envvar=db_mod.WAIT_ENV_VAR,
    default=db_mod.WAIT_SECONDS,
    show_default=True,
    metavar="SECONDS",
    help="How long a write waits for another process writing to the store ($WATCHLIST_WAIT).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress lines (errors still print).")
@click.version_option(package_name="watchlist")
@click.pass_context
def main(ctx: click.Context, db_path: Path | None, wait_s: float, quiet: bool) -> None:
    """Explore sanctions and export-control lists offline. With no command, open the explorer."""
    ctx.obj = Context(db_path or default_path())
    PROGRESS["quiet"] = quiet
    db_mod.set_wait(wait_s, None if quiet else lambda text: echo(f"watchlist: {text}", err=True))
    if ctx.invoked_subcommand is None:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            _usage("the explorer needs a terminal (none here); for scripts use a command: watchlist --help")
        ctx.invoke(explore)


@main.command()
@click.pass_obj
def explore(obj: Context) -> None:
    """Open the explorer (the default command)."""
    obj.db()
    from .app import WatchlistApp  # deferred: Textual loads only for the app

    app = WatchlistApp(obj.db_path, readonly=obj.readonly)
    app.run()
    if app.return_code:  # the app printed why (a store damaged while open)
        sys.exit(app.return_code)


@main.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(importers.FORMATS), default="auto", show_default=True)
@click.option("--as-of", help="Snapshot date (YYYY-MM-DD); default: the newest listing date in the file.")
@click.option("--force", is_flag=True, help="Import even if already imported or older than the store's snapshot.")
@click.option(
    "--map", "column_map", metavar="THEIRS=OURS,…", help="Rename the file's columns (shipments, trade-csv), e.g. 'shipper=exporter,hs=hs_code'."
)
@click.option("--json", "as_json", is_flag=True, help="Print the import reports as JSON.")
@click.option(
    "--encoding",
    metavar="NAME",
    callback=lambda ctx, param, value: _set_encoding(value),
    help="Read text files in this encoding when they are not UTF-8 (cp1252, gb18030, latin-1, …).",
)
@click.option(
    "--snapshot",
    "snapshot",
    flag_value=True,
    default=None,
    help="The file is the whole of its lists (or its FollowTheMoney source): listings it lacks are marked removed.",
)
@click.option("--partial", "snapshot", flag_value=False, help="The file is part of its lists (an extract): add and update, never remove.")
@click.option(
    "--source", "source_name", metavar="NAME", help="Name the source (FollowTheMoney and OpenSanctions files: also the namespace of its records' keys)."
)
@click.pass_obj
def import_(
    obj: Context,
    files: tuple[Path, ...],
    fmt: str,
    as_of: str | None,
    force: bool,
    column_map: str | None,
    as_json: bool,
    encoding: str | None,
    snapshot: bool | None,
    source_name: str | None,
) -> None:
    """Import list snapshots, FollowTheMoney/OpenSanctions files, HS/CHPL tables, trade statistics or shipments.

    Each file goes in whole or not at all. A CSL or OFAC file that would remove over a quarter of a list is held
    (likely an extract): say --partial or --snapshot. A FollowTheMoney file removes nothing unless --snapshot.
    """

    db = obj.db(write=True)
    reports, failed = [], False
    try:
        mapping = parse_map(column_map)
    except ImportFailed as exc:
        _fail(str(exc))
    for given in files:
        _not_the_store(obj, given)
        try:
            with _readable(given) as path:
                shown = _import_progress(path)
                try:
                    report = importers.import_file(
                        db, path, fmt, as_of=as_of, force=force, column_map=mapping, snapshot=snapshot, source_name=source_name, progress=shown
                    )
                finally:
                    if shown:
                        click.echo("\r\x1b[K", err=True, nl=False)
        except (ImportFailed, StoreError) as exc:
            echo(f"watchlist: {exc}", err=True)
            failed = True
            continue
        path = given
        reports.append(report)
        if not as_json:
            echo(report.summary())
            for reject in report.rejects[:20]:
                echo(f"  rejected {reject.describe(str(path))}", err=True)
            if len(report.rejects) > 20:
                echo(f"  … {len(report.rejects) - 20} more: watchlist rejects {report.import_id}", err=True)
    if as_json:
        _echo_json([r.as_dict() for r in reports])
    if failed:
        sys.exit(1)


@main.command("init")
@click.pass_obj
def init(obj: Context) -> None:
    """Make an empty store (no seed): for a store of your own files only, e.g. OpenSanctions data."""
    db = obj.db(build=False, write=True)
    if seed.is_built(db):
        _fail(f"{obj.db_path}: the store already holds data; init makes a new, empty store (choose another --db)")
    seed.mark_empty(db)
    echo(f"Empty store ready: {obj.db_path} (watchlist import FILE fills it; watchlist seed loads the bundled data)", err=True)


@main.command("seed")
@click.option(
    "--rebuild",
    is_flag=True,
    help="Delete all imported data and import the seed again, in one transaction "
    "(user data stays, and is first saved to a JSON file beside the store).",
)
@click.pass_obj
def seed_(obj: Context, rebuild: bool) -> None:
    """Build the store from the bundled seed files (whole or not at all)."""

    db = obj.db(build=False, write=True)
    started = time.perf_counter()
    if rebuild:
        saved = backup_.auto_backup(db)
        echo(f"Your data (stars, notes, decisions, screening runs) saved first to {saved}", err=True)
        seed.rebuild(db, progress=_progress)
    else:
        seed.build(db, progress=_progress)
    if not PROGRESS["quiet"]:
        echo(f"Seed ready in {time.perf_counter() - started:.1f} s: {obj.db_path}", err=True)


def _require_lists(obj: Context, db) -> None:
    """Searching or screening a store without list data would answer "no match" for everything: refuse instead."""
    if not seed.has_lists(db):
        _fail(
            f"{obj.db_path}: the store holds no list data, so nothing can match; "
            "run watchlist seed, or import a list (watchlist stats shows what is there)"
        )


@main.command()
@click.argument("query", required=False, default="")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="JSON out (one line per query with --queries).")
@click.option("--country", multiple=True, help="Only entities with this country (ISO-2); repeatable.")
@click.option("--list", "lists", multiple=True, help="Only entities on this list (EL, SDN, MEU, …); repeatable.")
@click.option("--status", type=click.Choice(["active", "removed"]), help="Listing status.")
@click.option("--kind", multiple=True, type=click.Choice(["company", "person", "vessel", "aircraft", "other"]))
@click.option("--hs", "hs_chapter", help="HS chapter (2 digits) of the entity's goods.")
@click.option("--tier", help="CHPL tier of the entity's goods (1, 2, 3, 3.A, …).")
@click.option("--watchlist", is_flag=True, help="Only starred entities.")
@click.option("--min-score", default=MIN_SCORE, show_default=True, type=click.FloatRange(0, 100))
@click.option("--queries", "queries_file", type=click.File("r", encoding="utf-8", errors="replace"), help="Run one query per line of this file.")
@click.pass_obj
def search(
    obj: Context,
    query: str,
    limit: int,
    as_json: bool,
    country: tuple[str, ...],
    lists: tuple[str, ...],
    status: str | None,
    kind: tuple[str, ...],
    hs_chapter: str | None,
    tier: str | None,
    watchlist: bool,
    min_score: float,
    queries_file,
) -> None:
    """Fuzzy search over every name and alias (typos, legal forms, HK, pinyin, Chinese characters)."""

    db = obj.db()
    _require_lists(obj, db)
    index = open_index(db.conn)

    def run(text: str) -> dict:
        typed, filters = parse_query(text)
        if typed.strip() and not analyze(typed).latn:
            return {
                "query": text,
                "error": "nothing in the query can be matched (no letters or digits in any script we read)",
                "total": 0,
                "results": [],
            }
        filters.countries |= {c.upper() for c in country}
        filters.lists |= {c.upper() for c in lists}
        filters.kinds |= set(kind)
        filters.status = status or filters.status
        filters.hs_chapter = hs_chapter or filters.hs_chapter
        filters.tier = tier or filters.tier
        filters.watchlist = watchlist or filters.watchlist
        result = index.search(typed + " ", filters, limit=limit, min_score=min_score)
        assert result is not None
        out = result.as_dict()
        out["query"] = text
        return out

    if queries_file is not None:
        for line in queries_file:
            text = line.rstrip("\r\n")
            if text.strip():
                click.echo(safe_json(run(text)))
        return
    result = run(query)
    if result.get("error"):
        _fail(f"{query!r}: {result['error']}")
    for hit in result["results"]:  # each list's own facts: regime, reference, date (the batch form leaves them out)
        hit["listings"] = [
            {"list": x.list, "status": x.status, "programs": x.programs, "citation": x.citation, "start_date": x.start_date}
            for x in queries.listings(db, hit["id"])
        ]
    if as_json:
        _echo_json(result)
        return
    if not result["results"]:
        echo("no match")
    elif result["more"]:  # only the likeliest names were scored: say so, and how to have them all
        echo(f"{result['total']:,}+ entities match (a broad query: the likeliest names were scored; export --query scores them all)", err=True)
    for hit in result["results"]:
        lists_ = ",".join(hit["lists"]) + (f" (removed: {','.join(hit['removed_lists'])})" if hit["removed_lists"] else "")
        via = f"  ← {hit['matched_name']}" if hit["matched_name"] != hit["name"] else ""
        echo(f"{hit['score']:5.1f}  {hit['id']:>6}  {hit['name']}{via}  [{lists_}] {','.join(hit['countries'])}")
        strong = hit is result["results"][0] or hit["score"] >= 90  # the listings of the likely answers, not of every near name
        for x in hit["listings"][:6] if strong else []:
            facts = " · ".join(str(v) for v in (x["programs"], x["citation"], f"listed {x['start_date']}" if x["start_date"] else "") if v)
            echo(f"{'':14}{x['list']}{' (removed)' if x['status'] != 'active' else ''}: {facts[:140]}")


@main.command()
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def show(obj: Context, ref: str, as_json: bool) -> None:
    """Everything about one entity (id or key): names, addresses, listings, goods, relations, sources."""
    ref = _ref(ref)
    db = obj.db()
    eid = queries.entity_id_for(db, ref)
    if eid is None:
        _fail(f"no entity {ref!r}")
    data = queries.entity(db, eid)
    if data is None:
        _fail(f"no entity {ref!r}")
    if as_json:
        _echo_json(data)
        return
    echo(f"{data.name}  [{data.kind}; {', '.join(data.countries)}]  id {data.id}, key {data.key}")
    if len(data.records) > 1:
        echo("\nRecords (one entity on several lists):")
        for r in data.records:
            echo(f"  {r.key} | {r.name} | {r.lists} | {r.reason}")
    for c in data.candidates:
        key, name, lists_ = c.other(data.record_ids)
        echo(f"  possibly the same as: {name} ({key}; {lists_}): {c.reason}")
    if data.changes:
        echo("\nHistory:")
        for ch in data.changes:
            citation = f"  [{ch.citation}]" if ch.citation else ""
            echo(f"  {ch.as_of} {ch.list} {describe(ch)}{citation}")
    if not data.listings:
        echo("\nNot listed: known from its sources as context (a register, a PEP list, a related party)")
    plain = jsonable(data)
    for section in ("listings", "facts", "names", "addresses", "identifiers", "goods", "relations", "sources"):
        if plain[section]:
            echo(f"\n{section.capitalize()}:")
            for row in plain[section]:
                echo("  " + " | ".join(_readable_value(k, v) for k, v in row.items() if v not in (None, "", [], {})))
    if data.notes:
        echo("\nNotes:")
        for n in data.notes:
            echo(f"  [{n.key}, {n.updated_at}] " + n.note.replace("\n", "\n    "))


@main.command()
@click.argument("ref")
@click.option("--hops", type=click.IntRange(1, network_.MAX_HOPS), default=network_.HOPS, show_default=True, help="How far out to follow ties.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "md", "csv", "json"]),
    default="text",
    show_default=True,
    help="text: a tree; md: the tree in Markdown; csv/json: one edge (from, kind, to) per tie.",
)
@click.option(
    "--stated-only",
    is_flag=True,
    help="Follow only the relations the lists state (no shared addresses or contacts: a registered agent's address ties hundreds).",
)
@click.option("-o", "--out", type=click.Path(path_type=Path, dir_okay=False), help="Write here (default: stdout).")
@click.pass_obj
def network(obj: Context, ref: str, hops: int, fmt: str, stated_only: bool, out: Path | None) -> None:
    """The entity's neighbourhood (id or key): who it is tied to, HOPS out, through the relations the lists state,
    shared street addresses and shared contacts; each entity once, with its lists."""
    ref = _ref(ref)
    db = obj.db()
    eid = queries.entity_id_for(db, ref)
    found = network_.neighbourhood(db, eid, hops, shared=not stated_only) if eid is not None else None
    if found is None:
        _fail(f"no entity {ref!r}")
    if fmt == "text" and out is None:
        for line in export_mod.network_tree(found):
            echo(line)
        if not found.ties:
            echo("  no ties: no relation stated by its lists" + (", no shared street address or contact" if found.shared else ""))
        return
    text = export_mod.network_text(found, "md" if fmt == "text" else fmt)
    if out is None or str(out) == "-":
        click.echo(text, nl=False)
        return
    export_mod.write_whole(out, [text])
    echo(f"wrote {out} ({fmt}, {len(found.ties)} ties)", err=True)


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def stats(obj: Context, as_json: bool) -> None:
    """Counts of entities, names, addresses, listings by list, HS and CHPL codes, and imports."""
    data = queries.stats(obj.db())
    if as_json:
        _echo_json(data)
        return
    for key, value in data.items():
        if key == "imports":
            echo("imports:")
            for imp in value:
                status = {
                    "running": "did not finish (interrupted, or still running elsewhere); nothing of it was kept",
                    "failed": "failed; nothing of it was kept",
                }.get(imp["status"], imp["status"])
                echo(
                    f"  #{imp['id']} {Path(imp['file']).name} ({imp['format']}, as of {imp['as_of']}): "
                    f"{status}, {imp['rows']} rows, +{imp['added']} ~{imp['changed']} "
                    f"-{imp['removed']} !{imp['rejected']}"
                )
        else:
            echo(f"{key}: {value}")


@main.command()
@click.argument("import_id", required=False, type=ID)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def rejects(obj: Context, import_id: int | None, as_json: bool) -> None:
    """Rows rejected by imports (all, or of one import), with file, line and field."""
    db = obj.db()
    if import_id is not None and not db.conn.execute("SELECT 1 FROM imports WHERE id = ?", (import_id,)).fetchone():
        _fail(f"no import {import_id} (watchlist stats lists them)")
    rows = queries.rejects(db, import_id)
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        echo(f"#{row['import_id']} {row['file']}:{row['line']}: {row['field'] or ''}: {row['error']}")
    if not rows:
        echo("no rejected rows")


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


@main.command()
@click.argument("hs")
@click.option("--from", "exporter", metavar="CC", help="Exporting (reporting) country, e.g. CN.")
@click.option("--to", "importer", metavar="CC", help="Importing (partner) country, e.g. RU.")
@click.option("--flow", type=click.Choice(["export", "import"]), help="Only figures of this flow.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def trade(obj: Context, hs: str, exporter: str | None, importer: str | None, flow: str | None, as_json: bool) -> None:
    """Trade figures for an HS code (8542, 2818.20; TOTAL for all goods) by period, with the change on a year before."""

    db = obj.db()
    code = trade_.resolve(db, hs)
    if code is None:
        _fail(f"no HS code {hs!r} in the nomenclature")
    figures = trade_.series(db, code["code"], exporter, importer, flow)
    yearly = trade_.yearly_from_monthly(figures)
    if as_json:
        _echo_json({"hs": code, "figures": figures, "yearly_from_monthly": yearly})
        return
    path = " › ".join(f"{p['code']} {p['description'][:40]}" for p in code["parents"])
    echo(f"HS {code['code']}: {code['description']}" + (f"  [CHPL tier {code['tier']}]" if code.get("tier") else ""))
    if path:
        echo(f"  under {path}")
    if not figures:
        echo("no trade figures for this code" + (" and these countries" if exporter or importer else ""))
    for r in figures:
        change = f"  ×{r['yoy_ratio']:g} on {r['compared_to']}" if r.get("yoy_ratio") else ""
        echo(f"  {r['period']:<16} {r['exporter']}→{r['importer']} {r['flow']:<6} {_fmt(r['value']):>16} {r['unit']}{change}")
        echo(
            f"  {'':<16} {r['basis'] or ''}; source: {r['source'] or '?'}"
            + (f" {r['source_url']}" if r.get("source_url") else "")
            + (f"; note: {r['note']}" if r.get("note") else "")
        )
    for y in yearly:
        echo(f"  {y['year']} from {y['months']} monthly figures: {_fmt(y['value'])} {y['unit']} ({y['exporter']}→{y['importer']})")


@main.command()
@click.argument("hs")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def goods(obj: Context, hs: str, as_json: bool) -> None:
    """An HS category: description, parents, CHPL tier, and its suppliers with their list badges."""

    db = obj.db()
    code = trade_.resolve(db, hs)
    if code is None or code["code"] in PSEUDO_CODES:
        _fail(f"no HS code {hs!r} in the nomenclature")
    node = hs_.node(db, code["code"])
    assert node is not None
    node["parents"] = code["parents"]
    if as_json:
        _echo_json(node)
        return
    echo(f"HS {hs_.dotted(node['code'])}: {node['description']}")
    if node.get("tier"):
        echo(f"  CHPL {node['tier_name']} ({node['tier_group']}): {node['tier_definition']}")
    for c in node["chpl_below"] if not node.get("tier") else []:
        echo(f"  CHPL code under it: {hs_.dotted(c['hs6'])} tier {c['tier']} ({c['tier_group']})")
    echo(f"{len(node['suppliers'])} suppliers")
    for s in node["suppliers"]:
        via = f" (linked at {s['via']})" if s["via"] else ""
        echo(f"  {s['entity_id']:>6}  {s['name']}  [{' '.join(s['lists']) or 'not listed'}] {s['countries']}{via}")


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--name-column", metavar="C", help="Column (or JSON key) holding the name (default: name, company, counterparty…).")
@click.option("--country-column", metavar="C", help="Column holding an ISO-2 country (default: country, jurisdiction… if present).")
@click.option("--threshold", default=screening.THRESHOLD, show_default=True, type=click.FloatRange(50, 100), help="Lowest score reported as a match.")
@click.option("-o", "--out", type=click.Path(path_type=Path), help="Write every row with its result here (with --scheduler: a folder).")
@click.option("--format", "fmt", type=click.Choice(["csv", "tsv", "jsonl"]), help="Output format (default: from OUT's extension).")
@click.option("--changed-only", is_flag=True, help="Write only rows whose result changed since the last run of this file.")
@click.option("--no-save", is_flag=True, help="Do not keep the run for triage.")
@click.option(
    "--workers",
    default=min(4, os.cpu_count() or 1),
    show_default="the cores, up to 4",
    type=click.IntRange(1, 64),
    help="Processes screening in parallel (files over 500 rows; not on Windows); with --scheduler local, the cluster's workers.",
)
@click.option(
    "--scheduler",
    metavar="ADDR",
    help="Screen on a Dask cluster: tcp://HOST:PORT of its scheduler, or 'local' for a LocalCluster of --workers processes. "
    "FILE may then be a folder of partitions (CSV, TSV, JSON lines, Parquet) and -o is a folder for their results "
    "(pip install 'watchlist[dask]').",
)
@click.option(
    "--encoding",
    metavar="NAME",
    callback=lambda ctx, param, value: _set_encoding(value),
    help="Read text files in this encoding when they are not UTF-8 (cp1252, gb18030, latin-1, …).",
)
@click.pass_obj
def screen(
    obj: Context,
    file: Path,
    name_column: str | None,
    country_column: str | None,
    threshold: float,
    out: Path | None,
    fmt: str | None,
    changed_only: bool,
    no_save: bool,
    workers: int,
    scheduler: str | None,
    encoding: str | None,
) -> None:
    """Screen a file of counterparties (CSV, TSV, JSON lines or Parquet): every row with its best matches, why, and a
    summary by list. With --scheduler, a folder of partitions on a Dask cluster."""

    if str(file) != "-" and not file.exists():
        _fail(f"{file}: no such file")
    _not_the_store(obj, file)
    if scheduler:
        if changed_only or fmt:
            _fail("--changed-only and --format are for one file: a distributed run writes each partition's results in its own format")
        _screen_distributed(obj, file, out, scheduler, workers, threshold, name_column, country_column, save=not no_save)
        return
    if file.is_dir():
        _fail(f"{file}: is a folder; to screen a folder of partitions give --scheduler (local, or tcp://HOST:PORT of a Dask cluster)")
    if out and out.is_dir():
        _fail(f"{out}: is a folder; -o names the file to write (a folder only with --scheduler)")
    try:
        with _readable(file) as readable:
            columns, rows, rejected = screening.read_rows(readable, name_column, country_column)
            digest = screening.file_hash(readable)
    except ImportFailed as exc:
        _fail(str(exc))
    db = obj.db(write=not no_save)
    _require_lists(obj, db)
    started = time.perf_counter()
    index = open_index(db.conn)
    gc.freeze()  # the index lives until this command ends: keep the cyclic collector off its millions of objects
    show_bar = len(rows) >= 500 and sys.stderr.isatty()
    with click.progressbar(length=len(rows), label="screening", file=sys.stderr) if show_bar else _nullbar() as bar:
        shown_done = [0]

        def advance(n: int) -> None:
            bar.update(n - shown_done[0])
            shown_done[0] = n

        results = list(screening.screen(index, rows, threshold, progress=advance, workers=workers))
    results += screening.rejected(rejected)
    results.sort(key=lambda r: r.row.line)
    run_id = changed = None
    if not no_save:
        run_id = screening.save_run(db, "stdin" if str(file) == "-" else file, results, threshold, digest)
        earlier = screening.previous_run(db, file, before=run_id, digest=digest)
        changed = screening.changed_lines(db, run_id, earlier) if earlier else None
    shown = [r for r in results if changed is None or r.row.line in changed] if changed_only else results
    if out and str(out) == "-":
        for chunk in screening.result_chunks(shown, columns, fmt or "csv"):
            click.echo(chunk, nl=False)  # data for a pipe, exact (cells defused for spreadsheets)
    elif out:
        fmt = fmt or {".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl", ".tsv": "tsv"}.get(out.suffix.lower(), "csv")
        screening.write_results(shown, columns, out, fmt)
    elif fmt == "jsonl":
        for r in shown:
            click.echo(safe_json({"line": r.row.line, "name": r.row.name, "status": r.status, "matches": r.matches}))
    else:
        for r in shown:
            if r.best:
                b = r.best
                echo(f"{r.row.line:>6}  {r.row.name}  →  {b['name']} [{' '.join(b['lists']) or 'not listed'}] {b['score']:.0f}  ({b['why']})")
    total = screening.summary(results)
    by_list = ", ".join(f"{k} {v}" for k, v in total["by_list"].items()) or "none"
    echo(
        f"{file}: {total['rows']} rows, {total['potential_matches']} potential matches ({by_list}), "
        f"{total['no_match']} no match, {total['rejected']} rejected; {time.perf_counter() - started:.1f} s"
        + (f"; run {run_id} saved for triage (watchlist screenings, or S in the app)" if run_id else "")
        + (f"; {len(changed)} rows changed since the last run" if changed is not None else "")
        + (f"; written to {out}" if out else ""),
        err=True,
    )
    if total["unknown_countries"]:
        unknown = ", ".join(repr(c) for c in total["unknown_countries"][:5]) + (" …" if len(total["unknown_countries"]) > 5 else "")
        echo(
            f"{file}: {len(total['unknown_countries'])} country values not recognised ({unknown}); those rows were screened "
            "without a country (column country_read says which)",
            err=True,
        )


def _screen_distributed(
    obj: Context,
    source: Path,
    out: Path | None,
    scheduler: str,
    workers: int,
    threshold: float,
    name_column: str | None,
    country_column: str | None,
    save: bool,
) -> None:
    """``screen --scheduler``: every partition of ``source`` on a Dask cluster, results in the folder ``out``."""
    if str(source) == "-":
        _fail("--scheduler reads files its workers can open, not standard input")
    if out is None or str(out) == "-":
        _fail("--scheduler needs -o FOLDER: each partition's results are written there, with summary.json")
    if out.exists() and not out.is_dir():
        _fail(f"{out}: is a file; -o names a folder for the partitions' results")
    if out.is_symlink():
        _fail(f"{out}: is a symbolic link; give the folder itself")
    if out.exists() and source.is_dir() and os.path.samefile(out, source):
        _fail(f"{out}: is the partitions' own folder; give another folder for their results")
    try:
        parts = distributed_.partitions(source)
    except ImportFailed as exc:
        _fail(str(exc))
    for part in parts:
        _not_the_store(obj, part)
    db = obj.db(write=save)
    _require_lists(obj, db)
    try:
        with distributed_.cluster(scheduler, workers) as client:
            run = distributed_.screen_partitions(
                db,
                obj.db_path,
                source,
                out,
                client,
                threshold,
                name_column,
                country_column,
                save=save,
                progress=None if PROGRESS["quiet"] or not sys.stderr.isatty() else _partitions_done,
                encoding=ENCODING["name"],
            )
    except (ImportFailed, StoreError, BadOutput) as exc:
        _fail(str(exc))
    total = run.totals
    by_list = ", ".join(f"{k} {v}" for k, v in total["by_list"].items()) or "none"
    per_worker = "; ".join(f"{name}: {w['rows']:.0f} rows, {w['rows_per_second']:.0f} rows/s" for name, w in sorted(run.workers.items()))
    echo(
        f"{source}: {total['partitions']} partitions, {total['rows']} rows, {total['potential_matches']} potential matches ({by_list}), "
        f"{total['no_match']} no match, {total['rejected']} rejected; {run.seconds:.1f} s on {len(run.workers)} workers ({per_worker}); "
        f"results and summary.json in {out}" + (f"; run {run.run_id} saved for triage (its potential matches and rejected rows)" if run.run_id else ""),
        err=True,
    )


def _partitions_done(done: int, total: int) -> None:
    """A distributed run's progress on a terminal: one line that rewrites itself."""
    click.echo(f"\rscreened {done}/{total} partitions", nl=done == total, err=True)


def _not_the_store(obj: Context, path: Path) -> None:
    """Refuse the store (or its -wal/-shm) as an input: reading it with open() here would drop our SQLite locks on it."""
    if str(path) == "-" or not path.exists():
        return
    for own in (obj.db_path, Path(f"{obj.db_path}-wal"), Path(f"{obj.db_path}-shm")):
        with contextlib.suppress(OSError):
            if own.exists() and os.path.samefile(path, own):
                _fail(f"{path}: is the store itself (or its journal), not a file to read")


@contextlib.contextmanager
def _readable(path: Path) -> Iterator[Path]:
    """The path itself for a regular file; for ``-``, a FIFO or ``<(…)``, the stream read once into a temporary file.

    Errors name what the user gave, not the temporary file.
    """
    if not is_stream(path):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="watchlist-") as folder:
        copy = spool(path, Path(folder))
        shown = "stdin" if str(path) == "-" else str(path)
        try:
            yield copy
        except ImportFailed as exc:
            raise ImportFailed(str(exc).replace(str(copy), shown)) from None


class _nullbar:
    """A progress bar that shows nothing (short runs, or output not to a terminal)."""

    def __enter__(self) -> _nullbar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


_SOURCES_OPTION = click.option(
    "--sources",
    "sources_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help=f"A TOML file of sources to add or override (default ${update_.SOURCES_ENV}, then sources.toml in your config folder).",
)


@main.command("update")
@click.argument("names", nargs=-1, metavar="[SOURCE]...")
@_SOURCES_OPTION
@click.option("--accept", is_flag=True, help="Import a file even if it would remove over a quarter of a list's active entries.")
@click.option("--dry-run", is_flag=True, help="Fetch and check, say what would change, change nothing.")
@click.pass_obj
def update(obj: Context, names: tuple[str, ...], sources_file: Path | None, accept: bool, dry_run: bool) -> None:
    """Fetch the current official list files (all sources, or those named) and import each as a snapshot; then What's new.

    A source not modified since the last update is not downloaded again (ETag / Last-Modified). Offline or failing,
    each source says so in one line, the store is left as it was, and the exit status is 1.
    """
    known = update_.sources(sources_file)
    unknown = [n for n in names if n not in known]
    if unknown:
        _usage(f"no source {', '.join(map(repr, unknown))} (watchlist sources lists them)")
    chosen = [known[n] for n in names] if names else list(known.values())
    db = obj.db(write=not dry_run)
    shown: dict[str, int] = {}

    def progress(source: update_.Source, got: int, total: int | None) -> None:
        if PROGRESS["quiet"] or not sys.stderr.isatty() or got - shown.get(source.name, 0) < (1 << 20):
            return
        shown[source.name] = got
        echo(f"\r{source.name}: {got / 1e6:,.1f} MB" + (f" of {total / 1e6:,.1f} MB" if total else "") + " ", err=True, nl=False)

    outcomes = update_.update(db, obj.db_path, chosen, accept=accept, dry_run=dry_run, progress=progress)
    if shown:
        echo("", err=True)
    for outcome in outcomes:
        echo(outcome.message, err=outcome.status in ("failed", "held"))
    imported = [o.import_id for o in outcomes if o.status == "imported" and o.import_id is not None]
    if imported:
        echo("\nWhat's new:")
        for line in _snapshot_lines(db, lambda snap: snap["import_id"] in imported):
            echo(f"  {line}")
    if any(o.status in ("failed", "held") for o in outcomes):
        sys.exit(1)


@main.command("sources")
@_SOURCES_OPTION
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def sources_(obj: Context, sources_file: Path | None, as_json: bool) -> None:
    """The sources `watchlist update` fetches: URL, format, last fetch, validator and snapshot date."""
    known = update_.sources(sources_file)
    last = update_.fetched(obj.db())
    rows = [
        {"name": s.name, "title": s.title, "url": s.url, "format": s.format, "headers": sorted(s.headers), **last.get(s.name, {})}
        for s in known.values()
    ]
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        validator = f"ETag {r['etag']}" if r.get("etag") else f"Last-Modified {r['last_modified']}" if r.get("last_modified") else "none yet"
        fetched = f"last fetched {r['fetched_at']}, snapshot {r.get('snapshot') or '?'}" if r.get("fetched_at") else "never fetched"
        echo(f"{r['name']:<10} {r['format']:<9} {r['url']}\n{'':<10} {r['title']}; {fetched}; validator: {validator}")


@main.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["ftm", "csv", "json"]),
    default="ftm",
    show_default=True,
    help="ftm: FollowTheMoney JSON lines (OpenSanctions); csv/json: one row per entity.",
)
@click.option("--query", "query", metavar="TEXT", help="Only the entities a search finds (filters allowed: list:EL country:HK …).")
@click.option("--limit", type=click.IntRange(1), default=None, help="With --query: at most this many entities (default all).")
@click.option("-o", "--out", type=click.Path(path_type=Path, dir_okay=False), help="Write here (default: stdout).")
@click.pass_obj
def export_(obj: Context, fmt: str, query: str | None, limit: int | None, out: Path | None) -> None:
    """Export the store, or a search's results, as FollowTheMoney, CSV or JSON (written whole or not at all)."""

    db = obj.db()
    index = open_index(db.conn)
    # every entity the query matches, not only those among the likeliest names it scores while typing
    result = index.search(query or "", limit=limit or len(index.kind) + 1, min_score=70, complete=True)
    assert result is not None  # None only when cancelled, and nothing cancels it here
    if fmt == "ftm":
        ids = [i for h in result.hits for i in _record_ids(db, h.entity_id)] if query else None
        chunks = ftm.lines(db, ids)
    else:
        sources = queries.result_sources(db, [k for h in result.hits for k in (h.records or [h.key])])
        chunks = iter([export_mod.results_text([h.as_dict() for h in result.hits], fmt, query or "", sources)])
    if out is None or str(out) == "-":
        for chunk in chunks:
            click.echo(chunk, nl=False)  # data for a pipe or a file, exact
        return
    export_mod.write_whole(out, chunks)
    echo(f"wrote {out} ({fmt}, {result.total if query else 'every'} entities)", err=True)


def _record_ids(db, entity_id: int) -> list[int]:

    return members(db.conn, entity_id)


@main.command("datasette-metadata")
@click.option("-o", "--out", type=click.Path(path_type=Path, dir_okay=False), default=Path("metadata.json"), show_default=True)
@click.pass_obj
def datasette_metadata(obj: Context, out: Path) -> None:
    """Write a Datasette metadata.json describing the store's tables and the sources of its data."""

    write_whole(out, [json.dumps(metadata(obj.db(), obj.db_path.stem), ensure_ascii=False, indent=2)])
    echo(f"wrote {out}; open the store with: datasette {obj.db_path} -m {out}", err=True)


@main.group()
def screenings() -> None:
    """Screening runs kept for triage: list them, decide rows, export the audit record."""


@screenings.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def screenings_list(obj: Context, as_json: bool) -> None:
    """Every run, newest first."""

    found = screening.runs(obj.db())
    if as_json:
        _echo_json(found)
        return
    for r in found:
        echo(f"{r.id:>4}  {r.started}  {r.user}  {r.file}  {r.rows} rows, {r.summary['potential_matches']} potential matches, {r.decided} decided")
    if not found:
        echo("no screening runs yet: watchlist screen FILE")


@screenings.command("decide")
@click.argument("run_id", type=ID)
@click.argument("line", type=ID)
@click.argument("decision", type=click.Choice(["match", "no-match", "review"]))
@click.option("--note", default=None, help="Why (without it the row keeps its earlier note).")
@click.pass_obj
def screenings_decide(obj: Context, run_id: int, line: int, decision: str, note: str | None) -> None:
    """Mark one row of a run: match, no-match or review (who and when are recorded)."""

    try:
        screening.decide(obj.db(write=True), run_id, line, decision.replace("-", " "), note)
    except ValueError as exc:
        _fail(str(exc))
    echo(f"run {run_id} line {line}: {decision}")


@screenings.command("audit")
@click.argument("run_id", type=ID)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("-o", "--out", type=click.Path(path_type=Path, dir_okay=False))
@click.pass_obj
def screenings_audit(obj: Context, run_id: int, fmt: str, out: Path | None) -> None:
    """The audit record of a run: snapshot, threshold, who, when, and every row with its decision."""

    try:
        text = screening.audit_text(screening.audit(obj.db(), run_id), fmt)
    except ValueError as exc:
        _fail(str(exc))
    if out and str(out) != "-":
        write_whole(out, [text])
        echo(f"wrote {out}", err=True)
    else:
        click.echo(text, nl=False)  # data, exact


def _snapshot_lines(
    db: sqlite_utils.Database, wanted: Callable[[dict[str, Any]], bool], list_code: str | None = None, since: str | None = None
) -> list[str]:
    """One line per list snapshot ``wanted`` picks, counted as the app's What's new counts them: its rows, one per
    entity (the import report counts list records: a list that repeats a party per address counts it more than once).
    ``list_code`` and ``since``, when the caller knows them, keep the rows read to those snapshots' (a list's: 0.2 s, not 1 s)."""
    snaps = [s for s in changes_.snapshots(db) if wanted(s)]
    picked = {(s["as_of"], s["list"]) for s in snaps}
    baseline = {(s["as_of"], s["list"]) for s in snaps if s["baseline"]}
    rows = [c for c in changes_.changes(db, list_code, since, baseline=True) if (c.as_of, c.list) in picked]
    return [
        f"{snap['as_of']}  {snap['list_name']}: +{snap['added']:,} added, ~{snap['changed']:,} changed, -{snap['removed']:,} removed"
        + (f", {snap['relisted']:,} relisted" if snap["relisted"] else "")
        + (" (baseline: first snapshot of this list)" if (snap["as_of"], snap["list"]) in baseline else "")
        for snap in changes_.summary(rows)
    ]


@main.command()
@click.option("--list", "list_name", metavar="NAME", help='A list code or name: EL, "Entity List", SDN, "Nonproliferation".')
@click.option("--since", metavar="DATE", help="Only snapshots dated on or after DATE (YYYY-MM-DD).")
@click.option("--change", "kind", type=click.Choice(["added", "changed", "removed", "relisted"]))
@click.option("--baseline", is_flag=True, help="Include each list's first snapshot (everything in it counts as added).")
@click.option("--limit", type=click.IntRange(1), help="At most this many rows.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def changes(obj: Context, list_name: str | None, since: str | None, kind: str | None, baseline: bool, limit: int | None, as_json: bool) -> None:
    """What changed between list snapshots: added, changed (which fields, before → after), removed, relisted."""

    code = None
    db = obj.db()
    if list_name:
        known = {c for (c,) in db.conn.execute("SELECT DISTINCT list FROM listings")}
        code = changes_.list_code(list_name, known)
        if code is None:
            names = {**{c: c for c in sorted(known)}, **changes_.LIST_NAMES}
            _usage(f"--list {list_name!r}: no such list; lists: {', '.join(f'{c} ({n})' for c, n in names.items())}")
    if since and not _is_iso_date(since):
        _usage(f"--since {since!r}: expected a date as YYYY-MM-DD")
    found = changes_.changes(db, code, since, kind, baseline=baseline, limit=limit)
    if as_json:
        _echo_json({"list": code, "since": since, "change": kind, "count": len(found), "changes": found})
        return
    for line in _snapshot_lines(db, lambda snap: (code is None or snap["list"] == code) and (not since or (snap["as_of"] or "") >= since), code, since):
        echo(line)
    echo("")
    for c in found:
        citation = f"  [{c.citation}]" if c.citation else ""
        where = f"{','.join(c.countries)}; " if c.countries else ""
        echo(f"{c.as_of}  {c.list:<4} {c.change:<8} {c.name} ({where}id {c.entity_id}){citation}")
        if c.change == "changed":
            echo(f"      {changes_.describe(c)}")
    if not found:
        echo("no changes" + ("" if baseline else " (add --baseline to see each list's first snapshot)"))


def _readable_value(key: str, value: Any) -> str:
    """One field of a section row for people: lists joined, linked entities as "name (id N)", never a Python repr."""
    if key == "shared_with":
        return f"shared with {value} other {'entity' if value == 1 else 'entities'}" if value else "nobody else listed here"
    if key == "entity_id":
        return f"id {value}"
    if isinstance(value, list):
        shown = [_readable_value(key, v) for v in value[:10]]
        more = f" and {len(value) - 10} more" if len(value) > 10 else ""
        return (f"{key.replace('_', ' ')}: " if key == "others" else "") + ", ".join(shown) + more
    if isinstance(value, dict):
        name = value.get("name") or value.get("entity_name") or ""
        return f"{name} (id {value['entity_id']})" if "entity_id" in value else ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def _is_iso_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


@main.group()
def resolve() -> None:
    """Entity resolution: which records on different lists are one entity; review "possibly the same" candidates."""


def _candidate_line(c: Candidate) -> str:
    return (
        f"{c.id:>5}  {c.score:3.0f}  {c.a_name} ({c.a_key}; {c.a_lists})\n"
        f"            ≟ {c.b_name} ({c.b_key}; {c.b_lists})\n            why: {c.reason}"
    )


@resolve.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def resolve_list(obj: Context, as_json: bool) -> None:
    """Open candidates: records that may be one entity, strongest first."""

    found = resolve_.candidates(obj.db())
    if as_json:
        _echo_json(found)
        return
    for c in found:
        echo(_candidate_line(c))
    if not found:
        echo("no candidates")


@resolve.command("same")
@click.argument("refs", nargs=2)
@click.option("--note", help="Why (kept with the decision in its history).")
@click.pass_obj
def resolve_same(obj: Context, refs: tuple[str, str], note: str | None) -> None:
    """Say two records (ids or keys) are one entity; they are merged now and after every re-import."""
    _resolve_decide(obj, refs, "same", note)


@resolve.command("different")
@click.argument("refs", nargs=2)
@click.option("--note", help="Why (kept with the decision in its history).")
@click.pass_obj
def resolve_different(obj: Context, refs: tuple[str, str], note: str | None) -> None:
    """Say two records are not one entity (undoes a merge between them); kept across re-imports."""
    _resolve_decide(obj, refs, "different", note)


@resolve.command("split")
@click.argument("ref")
@click.pass_obj
def resolve_split(obj: Context, ref: str) -> None:
    """Undo a merge: take one record out of the entity it was merged into."""

    ref = _ref(ref)
    db = obj.db(write=True)
    eid = queries.entity_id_for(db, ref)
    if eid is None:
        _fail(f"no entity {ref!r}")
    counts = resolve_.split(db, eid)
    echo(f"{ref}: split out; {counts['merged']} records merged in all, {counts['candidates']} candidates")


def _resolve_decide(obj: Context, refs: tuple[str, str], decision: str, note: str | None = None) -> None:

    refs = (_ref(refs[0]), _ref(refs[1]))
    if refs[0] == refs[1]:
        _usage(f"{refs[0]}: the same record twice; name two different records")
    db = obj.db(write=True)
    keys = []
    for ref in refs:
        eid = queries.entity_id_for(db, ref)
        if eid is None:
            _fail(f"no entity {ref!r}")
        keys.append(db.conn.execute("SELECT key FROM entities WHERE id = ?", (eid,)).fetchone()[0])
    try:
        counts = resolve_.decide(db, keys[0], keys[1], decision, note)
    except ValueError as exc:
        _fail(str(exc))
    echo(f"{keys[0]} and {keys[1]}: {decision}; {counts['merged']} records merged in all, {counts['candidates']} candidates")


@resolve.command("review")
@click.pass_obj
def resolve_review(obj: Context) -> None:
    """Go through the candidates one by one: y same, n different, s skip, q stop."""

    db = obj.db(write=True)
    pending = resolve_.candidates(db)
    if not pending:
        echo("nothing to review")
    for c in pending:
        echo("\n" + _candidate_line(c))
        answer = click.prompt("  same entity? [y]es [n]o [s]kip [q]uit", type=click.Choice(["y", "n", "s", "q"]), default="s", show_choices=False)
        if answer == "q":
            break
        if answer in "yn":
            resolve_.decide(db, c.a_key, c.b_key, "same" if answer == "y" else "different")


@main.group()
def alias() -> None:
    """Names you give an entity (as your invoices or your language write it): search and screening find it by them.

    They are your data: kept across re-imports and rebuilds, exported with `userdata export`.
    """


def _record_key(db: sqlite_utils.Database, ref: str) -> str:
    eid = queries.entity_id_for(db, _ref(ref))
    if eid is None:
        _fail(f"no entity {ref!r}")
    return db.conn.execute("SELECT key FROM entities WHERE id = ?", (eid,)).fetchone()[0]


@alias.command("add")
@click.argument("ref")
@click.argument("name")
@click.pass_obj
def alias_add(obj: Context, ref: str, name: str) -> None:
    """Give the entity REF (id or key) another NAME."""
    db = obj.db(write=True)
    key = _record_key(db, ref)
    added = userdata_.add_alias(db, key, name)
    echo(f"{key}: alias {added.name!r} added" if added else f"{key}: already has the alias {userdata_.clean_alias(name)!r}")


@alias.command("remove")
@click.argument("ref")
@click.argument("name")
@click.pass_obj
def alias_remove(obj: Context, ref: str, name: str) -> None:
    """Take back a NAME you gave the entity REF."""
    db = obj.db(write=True)
    key = _record_key(db, ref)
    if not userdata_.remove_alias(db, key, name):
        _fail(f"{key}: you gave it no alias {name!r}")
    echo(f"{key}: alias {name!r} removed")


@alias.command("list")
@click.argument("ref", required=False)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def alias_list(obj: Context, ref: str | None, as_json: bool) -> None:
    """The names you gave: every entity's, or REF's."""
    db = obj.db(build=False)
    found = userdata_.aliases_of(db, _record_key(db, ref) if ref else None)
    if as_json:
        _echo_json([dataclasses.asdict(a) for a in found])
        return
    for a in found:
        echo(f"{a.key}\t{a.name}\t{a.added_at}\t{a.user}")
    if not found:
        echo("no aliases of yours" + (f" on {ref}" if ref else ""), err=True)


@main.group()
def links() -> None:
    """Links from shipment parties to entities: exact ones linked, fuzzy ones proposed for review."""


@links.command("propose")
@click.option(
    "--threshold", default=links_.THRESHOLD, show_default=True, type=click.FloatRange(50, 100), help="Lowest search score proposed as a link."
)
@click.pass_obj
def links_propose(obj: Context, threshold: float) -> None:
    """Look at every shipment party not seen yet: link exact matches, propose fuzzy ones."""

    started = time.perf_counter()
    counts = links_.propose(obj.db(write=True), threshold)
    echo(
        f"{counts['parties']} new parties: {counts['exact']} linked exactly, {counts['proposed']} proposed "
        f"({time.perf_counter() - started:.1f} s); review with: watchlist links review"
    )


@links.command("list")
@click.option("--status", type=click.Choice(["linked", "proposed", "confirmed", "rejected"]))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def links_list(obj: Context, status: str | None, as_json: bool) -> None:
    """Links and proposals with their status and shipment counts."""

    found = links_.listing(obj.db(), status)
    if as_json:
        _echo_json(found)
        return
    for r in found:
        echo(f"{r.id:>6}  {r.status:<9} {r.score:5.1f}  {r.party_name}  →  {r.entity_name} ({r.entity_key}), {r.shipments} shipments")
    if not found:
        echo("no links")


@links.command("confirm")
@click.argument("link_ids", nargs=-1, type=ID, required=True)
@click.pass_obj
def links_confirm(obj: Context, link_ids: tuple[int, ...]) -> None:
    """Confirm proposed links (their shipments then count for the entity)."""
    _decide(obj, link_ids, "confirmed")


@links.command("reject")
@click.argument("link_ids", nargs=-1, type=ID, required=True)
@click.pass_obj
def links_reject(obj: Context, link_ids: tuple[int, ...]) -> None:
    """Reject proposed (or exact) links."""
    _decide(obj, link_ids, "rejected")


def _decide(obj: Context, link_ids: tuple[int, ...], decision: str) -> None:

    db = obj.db(write=True)
    for link_id in link_ids:
        row = links_.decide(db, link_id, decision)
        if row is None:
            _fail(f"no link {link_id}")
        echo(f"{link_id}: {row.party_name} → {row.entity_name}: {decision}")


@links.command("review")
@click.pass_obj
def links_review(obj: Context) -> None:
    """Go through the proposals one by one: y confirm, n reject, s skip, q stop."""

    db = obj.db(write=True)
    pending = links_.listing(db, "proposed")
    if not pending:
        echo("nothing to review")
    for r in pending:
        echo(f"\n{r.party_name}  ({r.shipments} shipments)\n  → {r.entity_name} ({r.entity_key}), score {r.score}")
        answer = click.prompt("  confirm? [y]es [n]o [s]kip [q]uit", type=click.Choice(["y", "n", "s", "q"]), default="s", show_choices=False)
        if answer == "q":
            break
        if answer in "yn":
            links_.decide(db, r.id, "confirmed" if answer == "y" else "rejected")


@main.command()
@click.option("-o", "--out", type=click.Path(path_type=Path), help="The copy (default: <store>-backup-<time>.db beside the store).")
@click.pass_obj
def backup(obj: Context, out: Path | None) -> None:
    """Copy the whole store with SQLite's online backup: consistent while the app or an import has it open."""

    db = obj.db(build=False)
    out = out or obj.db_path.with_name(f"{obj.db_path.stem}-backup-{db_mod.now().replace(':', '')}.db")
    done = backup_.backup_store(db, out)
    echo(
        f"backed up {obj.db_path} to {out} ({done['bytes']:,} bytes; {done['entities']:,} records, "
        f"{done['user_watchlist']} stars, {done['user_notes']} notes; quick_check ok)",
        err=True,
    )


@main.group()
def userdata() -> None:
    """Your own data (stars, tags, notes and their history, decisions, screening runs) as one JSON file."""


@userdata.command("export")
@click.option("-o", "--out", type=click.Path(path_type=Path), help="Write here (default: stdout).")
@click.pass_obj
def userdata_export(obj: Context, out: Path | None) -> None:
    """Write every piece of your data as JSON (to keep, or to move to another store)."""

    db = obj.db(build=False)
    if out is None:
        _echo_json(backup_.export_userdata(db))
        return
    counts = backup_.write_userdata(db, out)
    echo(f"wrote {out}: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()), err=True)


@userdata.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True))
@click.pass_obj
def userdata_import(obj: Context, file: Path) -> None:
    """Merge a user-data JSON file into this store: nothing here is overwritten; differing notes are kept side by side."""

    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        _fail(f"{file}: cannot read user data ({exc})")
    db = obj.db(write=True)
    added = backup_.import_userdata(db, data, str(file))
    echo(f"{file}: merged; new: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in added.items()))
