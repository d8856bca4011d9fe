"""`watchlist update`: fetch the current official list files and import each as a snapshot.

Sources are a built-in table of official endpoints, extended or overridden by a TOML file (``--sources FILE``,
``$WATCHLIST_SOURCES``, or ``sources.toml`` in the user config folder)::

    [sources.un]
    url = "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
    format = "un-xml"
    headers = { Authorization = "ApiKey …" }   # for a paid feed

Fetching is plain HTTP with ``requests``: conditional requests (the ETag and Last-Modified of the last fetch, kept in
the store), timeouts, urllib3's retries with back-off on connection errors and 5xx answers, proxies from the
environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``). A file is downloaded to a temporary file beside its
final name and renamed into place; then imported as a snapshot, which checks it first (it must parse, and a file
that would remove more than a quarter of a list's active entries is held unless ``accept``).
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from . import importers
from .db import now, transaction
from .errors import ImportFailed, StoreError
from .importers.reading import content_hash

if TYPE_CHECKING:  # requests loads only when an update runs: every other command starts without it (~0.14 s)
    import requests

SOURCES_ENV = "WATCHLIST_SOURCES"
Progress = Callable[[int, int | None], None]  # bytes so far, bytes in all (when the server says)
TIMEOUT = (10.0, 60.0)  # seconds to connect, and between bytes of the answer
RETRIES = 3
BACKOFF = 0.5  # seconds before the first retry, doubling after
USER_AGENT = "watchlist (sanctions list explorer; +https://github.com/)"


@dataclass(frozen=True, slots=True)
class Source:
    """An official list file and how to import it."""

    name: str
    url: str
    format: str
    title: str = ""
    headers: dict[str, str] = field(default_factory=dict)


# The official endpoints, as their publishers give them.
BUILT_IN: tuple[Source, ...] = (
    Source(
        "csl",
        "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv",
        "csl",
        "Consolidated Screening List (trade.gov: BIS, State, Treasury)",
    ),
    Source(
        "ofac-sdn",
        "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN_ENHANCED.ZIP",
        "ofac-xml",
        "OFAC SDN list, Enhanced XML",
    ),
    Source(
        "ofac-cons",
        "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONS_ENHANCED.ZIP",
        "ofac-xml",
        "OFAC Consolidated (non-SDN) list, Enhanced XML",
    ),
    Source("un", "https://scsanctions.un.org/resources/xml/en/consolidated.xml", "un-xml", "UN Security Council Consolidated List"),
    Source(
        "eu",
        "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw",
        "eu-xml",
        "EU Financial Sanctions Files (consolidated list)",
    ),
    Source("uk", "https://docs.fcdo.gov.uk/docs/UK-Sanctions-List.xml", "uk-xml", "UK Sanctions List (FCDO)"),
)


class UpdateFailed(StoreError):
    """A source could not be fetched or imported (one line, naming it)."""


def sources(path: Path | None = None) -> dict[str, Source]:
    """The built-in sources, then those of the sources file (``path``, else ``$WATCHLIST_SOURCES``, else the user's)."""
    out = {s.name: s for s in BUILT_IN}
    chosen = path or (Path(os.environ[SOURCES_ENV]) if os.environ.get(SOURCES_ENV) else None)
    if chosen is None:
        import platformdirs

        default = Path(platformdirs.user_config_dir("watchlist", appauthor=False)) / "sources.toml"
        chosen = default if default.is_file() else None
    if chosen is None:
        return out
    try:
        data = tomllib.loads(chosen.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UpdateFailed(f"{chosen}: cannot read ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UpdateFailed(f"{chosen}: not a TOML file ({exc})") from None
    for name, spec in (data.get("sources") or {}).items():
        if not isinstance(spec, dict):
            raise UpdateFailed(f"{chosen}: [sources.{name}] must be a table with url and format")
        base = out.get(name)
        url, fmt = spec.get("url", base.url if base else None), spec.get("format", base.format if base else None)
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise UpdateFailed(f"{chosen}: [sources.{name}] url: an http(s) address is needed")
        if fmt not in importers.LIST_FORMATS and fmt not in importers.STREAM_FORMATS:
            raise UpdateFailed(f"{chosen}: [sources.{name}] format: one of {', '.join([*importers.LIST_FORMATS, *importers.STREAM_FORMATS])}")
        headers = spec.get("headers", base.headers if base else {})
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise UpdateFailed(f"{chosen}: [sources.{name}] headers: a table of strings")
        out[name] = Source(name, url, fmt, str(spec.get("title", base.title if base else name)), dict(headers))
    return out


def session() -> requests.Session:
    """An HTTP session that retries connection errors and 5xx answers with back-off, and takes proxies from the environment."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    retry = Retry(
        total=RETRIES,
        connect=RETRIES,
        read=1,  # a server that stops answering is asked once more, not three times (each wait is TIMEOUT's second)
        status=RETRIES,
        backoff_factor=BACKOFF,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=("GET",),
        raise_on_status=False,
    )
    s = requests.Session()
    s.mount("http://", HTTPAdapter(max_retries=retry))
    s.mount("https://", HTTPAdapter(max_retries=retry))
    s.headers["User-Agent"] = USER_AGENT
    return s


@dataclass(slots=True)
class Fetched:
    """What one source's fetch gave: a new file, or nothing new (304)."""

    source: Source
    path: Path | None  # None: not modified since the last fetch
    etag: str | None = None
    last_modified: str | None = None


def downloads(db_path: Path) -> Path:
    """Where fetched files are kept: a folder beside the store."""
    return db_path.with_name(db_path.name + ".downloads")


def fetch(db: sqlite_utils.Database, source: Source, folder: Path, http: requests.Session, progress: Progress | None = None) -> Fetched:
    """Download ``source`` (conditionally) into ``folder``: through a temporary file renamed into place at the end."""
    import requests

    last = db.conn.execute("SELECT etag, last_modified FROM fetches WHERE source = ? AND url = ?", (source.name, source.url)).fetchone()
    headers = dict(source.headers)
    if last and last[0]:
        headers["If-None-Match"] = last[0]
    if last and last[1]:
        headers["If-Modified-Since"] = last[1]
    try:
        with http.get(source.url, headers=headers, timeout=TIMEOUT, stream=True) as answer:
            if answer.status_code == 304:
                return Fetched(source, None, last[0] if last else None, last[1] if last else None)
            if answer.status_code != 200:
                tried = f" (after {RETRIES} retries)" if answer.status_code in (500, 502, 503, 504) else ""
                raise UpdateFailed(f"{source.name}: {source.url} answered {answer.status_code} {answer.reason}{tried}; the store is untouched")
            folder.mkdir(parents=True, exist_ok=True)
            name = Path(requests.utils.urlparse(answer.url).path).name or source.name
            final = folder / f"{source.name}-{name}"
            total = int(answer.headers.get("Content-Length") or 0) or None
            handle, temp = tempfile.mkstemp(dir=folder, prefix=f".{source.name}-", suffix=".part")
            got = 0
            try:
                with os.fdopen(handle, "wb") as out:
                    for chunk in answer.iter_content(1 << 16):
                        out.write(chunk)
                        got += len(chunk)
                        if progress:
                            progress(got, total)
                if total is not None and got < total:
                    raise UpdateFailed(f"{source.name}: the download stopped at {got:,} of {total:,} bytes; the store is untouched")
                os.replace(temp, final)
            finally:
                if os.path.exists(temp):
                    os.unlink(temp)
            return Fetched(source, final, answer.headers.get("ETag"), answer.headers.get("Last-Modified"))
    except requests.exceptions.Timeout:
        raise UpdateFailed(f"{source.name}: {source.url} did not answer within {TIMEOUT[1]:.0f} s; the store is untouched") from None
    except requests.exceptions.RetryError as exc:
        raise UpdateFailed(f"{source.name}: {source.url} kept failing after {RETRIES} retries ({_reason(exc)}); the store is untouched") from None
    except requests.exceptions.ConnectionError as exc:
        if _timed_out(exc):
            raise UpdateFailed(f"{source.name}: {source.url} did not answer within {TIMEOUT[1]:.0f} s; the store is untouched") from None
        raise UpdateFailed(f"{source.name}: cannot reach {source.url} ({_reason(exc)}); the store is untouched (offline?)") from None
    except requests.exceptions.RequestException as exc:
        raise UpdateFailed(f"{source.name}: {source.url}: {_reason(exc)}; the store is untouched") from None


def _timed_out(exc: BaseException) -> bool:
    """True when a requests error comes down to a timeout (urllib3 wraps it in retry and connection errors)."""
    import urllib3

    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, urllib3.exceptions.NewConnectionError):  # (a ConnectTimeoutError in urllib3's family tree)
            continue
        if isinstance(e, TimeoutError | urllib3.exceptions.TimeoutError):
            return True
        todo += [a for a in (*e.args, getattr(e, "reason", None), e.__context__, e.__cause__) if isinstance(a, BaseException)]
    return False


def _reason(exc: Exception) -> str:
    """The innermost reason of a requests error, in a few words."""
    inner: BaseException = exc
    while inner.__context__ is not None and inner.__context__ is not inner:
        inner = inner.__context__
    text = str(getattr(inner, "reason", None) or inner).split(": ", 1)[-1]
    return " ".join(text.split())[:160]


@dataclass(slots=True)
class Outcome:
    """What updating one source did."""

    source: Source
    status: str  # imported, not modified, held, failed, would import (dry run)
    message: str
    import_id: int | None = None


class _DryRun(Exception):
    pass


def update(
    db: sqlite_utils.Database,
    db_path: Path,
    chosen: Iterable[Source],
    *,
    accept: bool = False,
    dry_run: bool = False,
    http: requests.Session | None = None,
    progress: Callable[[Source, int, int | None], None] | None = None,
) -> list[Outcome]:
    """Fetch and import each source; a source that fails says so in its outcome and leaves the store as it was."""
    http = http or session()
    folder = downloads(db_path)
    out: list[Outcome] = []
    for source in chosen:
        told: Progress | None = None
        if progress is not None:
            told = _telling(progress, source)
        try:
            got = fetch(db, source, folder, http, told)
        except UpdateFailed as exc:
            out.append(Outcome(source, "failed", str(exc)))
            continue
        if got.path is None:
            out.append(Outcome(source, "not modified", f"{source.name}: not modified since the last update"))
            if not dry_run:  # a dry run writes nothing, not even when it looked
                _remember(db, got, None, None)
            continue
        try:
            out.append(_apply(db, got, accept, dry_run))
        except ImportFailed as exc:
            held = ": held:" in str(exc)
            hint = " (use --accept if the list really shrank)" if held else ""
            out.append(Outcome(source, "held" if held else "failed", f"{source.name}: {exc}{hint}"))
    return out


def _telling(progress: Callable[[Source, int, int | None], None], source: Source) -> Progress:
    return lambda got, total: progress(source, got, total)


def _apply(db: sqlite_utils.Database, got: Fetched, accept: bool, dry_run: bool) -> Outcome:
    assert got.path is not None
    source = got.source
    if dry_run:
        try:
            with transaction(db.conn):
                report = importers.import_file(
                    db, got.path, source.format, source_name=source.title or source.name, url=source.url, snapshot=True if accept else None
                )
                raise _DryRun(report.summary())
        except _DryRun as would:
            return Outcome(source, "would import", f"{source.name}: would import: {would}")
    report = importers.import_file(
        db, got.path, source.format, source_name=source.title or source.name, url=source.url, snapshot=True if accept else None
    )
    _remember(db, got, content_hash([got.path]), report.import_id)
    status = "not modified" if report.skipped else "imported"
    return Outcome(source, status, f"{source.name}: {report.summary()}", report.import_id)


def _remember(db: sqlite_utils.Database, got: Fetched, digest: str | None, import_id: int | None) -> None:
    """Keep the validators of what was fetched, for a conditional request next time."""
    with transaction(db.conn) as conn:
        conn.execute(
            "INSERT INTO fetches (source, url, etag, last_modified, fetched_at, content_hash, import_id) VALUES (?,?,?,?,?,?,?)"
            " ON CONFLICT (source) DO UPDATE SET url = excluded.url, etag = excluded.etag, last_modified = excluded.last_modified,"
            " fetched_at = excluded.fetched_at, content_hash = coalesce(excluded.content_hash, content_hash),"
            " import_id = coalesce(excluded.import_id, import_id)",
            (got.source.name, got.source.url, got.etag, got.last_modified, now(), digest, import_id),
        )


def fetched(db: sqlite_utils.Database) -> dict[str, dict[str, str | None]]:
    """The last fetch of each source: when, its validators, and the snapshot date of what it imported."""
    rows = db.conn.execute(
        "SELECT f.source, f.fetched_at, f.etag, f.last_modified, i.as_of FROM fetches f LEFT JOIN imports i ON i.id = f.import_id"
    ).fetchall()
    return {r[0]: {"fetched_at": r[1], "etag": r[2], "last_modified": r[3], "snapshot": r[4]} for r in rows}
