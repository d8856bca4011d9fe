"""Opening the store: path resolution, pragmas, migrations, transactions that wait their turn, and what a failure means.

SQLite's locks are POSIX advisory locks, and closing *any* descriptor of a file drops all of a process's
locks on it (SQLite's "How To Corrupt", 2.2). So nothing here opens the store file (or its ``-wal`` and
``-shm``) with plain ``open()``: a path is checked with ``stat`` only, and its content through SQLite.
"""

from __future__ import annotations

import gc
import getpass
import json
import os
import sqlite3
import stat
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import sqlite_utils

from .errors import ReadOnlyStore, StoreBusy, StoreError
from .schema import FTS_TABLES, MIGRATIONS, SCHEMA_VERSION, fts_triggers

ENV_VAR = "WATCHLIST_DB"
WAIT_ENV_VAR = "WATCHLIST_WAIT"
WAIT_SECONDS = 600.0  # how long a write waits for another process's (the CLI's --wait default)
BUSY_MS = 5000  # how long a plain statement waits for another connection (reads; a write runs in transaction())
POLL_S = 0.2  # how often a waiting writer tries the write lock again


def default_path() -> Path:
    """The store path: ``$WATCHLIST_DB`` or ``watchlist.db`` in the user data directory."""
    if env := os.environ.get(ENV_VAR):
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("watchlist", appauthor=False)) / "watchlist.db"


def rows(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """The result of ``sql`` as dicts keyed by column name."""
    cur = conn.execute(sql, params)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def inserted(cur: sqlite3.Cursor) -> int:
    """The id of the row that ``cur`` (an INSERT) wrote."""
    if cur.lastrowid is None:
        raise sqlite3.InterfaceError("no row was inserted")
    return cur.lastrowid


def now() -> str:
    """The timestamp format of every ``*_at``/``started`` column: local time, to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%S")


def writable(path: Path) -> bool:
    """True if the store file (or, for a new store, its folder) can be written, and its folder too (journal files)."""
    folder = path.parent if path.parent != Path("") else Path(".")
    if path.exists() and not os.access(path, os.W_OK):
        return False
    return not folder.exists() or os.access(folder, os.W_OK)


def check_path(path: Path) -> None:
    """Refuse, with one line, a path that cannot be a store: a folder, a device, an empty file. Only ``stat``: never ``open()``."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(f"{path}: cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise StoreError(f"{path}: is a folder, not a store file")
    if not stat.S_ISREG(info.st_mode):
        raise StoreError(f"{path}: not a regular file, not a watchlist store")
    if info.st_size == 0:
        raise StoreError(f"{path}: empty file, not a watchlist store (remove it to start a new store there)")


def uri(path: Path | str, **params: str) -> str:
    """A ``file:`` URI for SQLite: any path (spaces, ``#``, ``?``, ``%``, non-ASCII, undecodable bytes) survives it."""
    return Path(os.path.abspath(path)).as_uri() + ("?" + urlencode(params) if params else "")


# A data step of an upgrade, run in the migration's transaction with the version the store had (see store.upgrade).
Upgrade = Callable[[sqlite3.Connection, int], None]


def connect(path: Path | str, *, readonly: bool = False, upgrade: Upgrade | None = None) -> sqlite_utils.Database:
    """Open (and, unless read-only, create or upgrade) the store at ``path``: use :func:`store.connect`, which passes
    the data steps of an upgrade (``upgrade``) that this low-level module cannot import.

    Raises :class:`StoreError` with one line for anything that is not a usable store, and
    :class:`ReadOnlyStore` when a read-write open is asked of a file that cannot be written.
    """
    path = Path(path)
    check_path(path)
    if not readonly and not writable(path):
        raise ReadOnlyStore(f"{path}: the store is read-only (the file or its folder cannot be written)")
    conn = None
    try:
        if readonly:
            conn = open_readonly(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(uri(path, mode="rwc"), uri=True, check_same_thread=False)
        conn.isolation_level = None  # explicit transactions only: see transaction()
        conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise StoreError(f"{path}: not a watchlist store (an SQLite database with other tables); choose another file")
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        if "not a database" in str(exc):
            raise StoreError(f"{path}: not a watchlist store (not an SQLite database)") from None
        raise StoreError(explain(path, exc)) from None
    except StoreError:
        if conn is not None:
            conn.close()
        raise
    except OSError as exc:
        raise StoreError(f"{path}: cannot open ({exc.strerror})") from None
    if version > SCHEMA_VERSION:
        conn.close()
        raise StoreError(f"{path}: store schema version {version} is newer than this watchlist (knows {SCHEMA_VERSION}); upgrade watchlist to open it")
    conn.execute("PRAGMA foreign_keys = ON")
    if not readonly:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            if version < SCHEMA_VERSION:
                _migrate(conn, version, upgrade)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"{path}: cannot prepare store: {explain(path, exc)}") from None
    elif version < SCHEMA_VERSION:
        conn.close()
        raise StoreError(f"{path}: store needs an upgrade; open it once without read-only")
    return sqlite_utils.Database(conn)


def open_readonly(path: Path) -> sqlite3.Connection:
    """A plain read-only connection; ``immutable`` when even the WAL index cannot be created (read-only folder or mount)."""
    if not path.exists():
        raise StoreError(f"{path}: no such store")
    conn = sqlite3.connect(uri(path, mode="ro"), uri=True, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise
        conn.close()
        conn = sqlite3.connect(uri(path, immutable="1"), uri=True, check_same_thread=False)
    return conn


def _migrate(conn: sqlite3.Connection, version: int, upgrade: Upgrade | None) -> None:
    with transaction(conn):
        version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have upgraded it meanwhile
        for number in range(version, SCHEMA_VERSION):
            for statement in _statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
        if version and upgrade is not None:
            upgrade(conn, version)


def _statements(script: str) -> Iterator[str]:
    """The statements of a migration script, one at a time (``executescript`` would commit)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip():
                yield pending
            pending = ""
    if pending.strip():
        yield pending


# -- transactions ------------------------------------------------------------------------------------


@dataclass
class WaitPolicy:
    """How long a writer waits for another process's write lock, and who hears that it is waiting."""

    seconds: float = float(os.environ.get(WAIT_ENV_VAR) or WAIT_SECONDS)
    report: Callable[[str], None] | None = None


WAIT = WaitPolicy()


def set_wait(seconds: float | None = None, report: Callable[[str], None] | None = None) -> None:
    """Set this process's write-lock wait (seconds) and where "waiting for …" is said."""
    if seconds is not None:
        WAIT.seconds = seconds
    WAIT.report = report


def _locked(exc: sqlite3.OperationalError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def holder(conn: sqlite3.Connection) -> str:
    """Who holds the write lock, as far as the import log says: "another import (pid 4711, file …)"."""
    try:
        found = conn.execute(
            "SELECT pid, file FROM imports WHERE status = 'running' AND pid IS NOT NULL AND pid != ? ORDER BY id DESC", (os.getpid(),)
        ).fetchall()
    except sqlite3.Error:
        found = []
    for pid, file in found:
        if _alive(pid):
            return f"another import (pid {pid}, {Path(file).name})"
    return "another watchlist process"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _begin(conn: sqlite3.Connection, path: str) -> None:
    """``BEGIN IMMEDIATE``, waiting for another process's write (saying so once) up to :data:`WAIT`."""
    busy = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute(f"PRAGMA busy_timeout = {int(POLL_S * 1000)}")
    started, said = time.monotonic(), False
    try:
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _locked(exc):
                    raise
            if time.monotonic() - started >= WAIT.seconds:
                raise StoreBusy(
                    f"{path}: still being written by {holder(conn)} after {WAIT.seconds:g} s; nothing was changed. "
                    "Try again when it has finished, or wait longer with --wait SECONDS"
                )
            if not said and WAIT.report:
                WAIT.report(f"waiting for {holder(conn)} to finish writing to {path} (up to {WAIT.seconds:g} s; --wait to change) …")
            said = True
    finally:
        conn.execute(f"PRAGMA busy_timeout = {busy}")


def store_path(conn: sqlite3.Connection) -> str:
    """The file of a connection's main database (for messages)."""
    try:
        return conn.execute("PRAGMA database_list").fetchone()[2] or "store"
    except sqlite3.Error:
        return "store"


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: committed whole or rolled back whole.

    Waits its turn for the write lock (see :func:`set_wait`). Inside another transaction it is a savepoint,
    so a multi-step job (a rebuild: clear, then every seed file) can be made one transaction.
    """
    if conn.in_transaction:
        name = f"sp{id(object())}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")
        return
    _begin(conn, store_path(conn))
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@dataclass
class Deferral:
    """What a bulk write tells :func:`fts_deferred` at its end: whether it wrote any text the full-text indexes hold."""

    rebuild: bool = True  # a writer that knows it wrote no indexed text (names, entities' names and remarks) says False


@contextmanager
def fts_deferred(conn: sqlite3.Connection) -> Iterator[Deferral]:
    """Inside a write transaction: the full-text indexes are rebuilt once at the end instead of row by row (a trigger's
    insert into FTS5 costs five times a bulk one). For bulk writes only: a rebuild reads the whole table (2.5 s for
    300,000 names), skipped when the writer says it wrote no indexed text (a list imported again, unchanged). Nested
    uses are one (the outermost rebuilds); on an error nothing is rebuilt, as the transaction's rollback restores the
    triggers."""
    deferral = Deferral()
    names = [f"{table}_{kind}" for table in FTS_TABLES for kind in ("ai", "ad", "au")]
    marks = ",".join("?" * len(names))
    if conn.execute(f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})", names).fetchone()[0] < len(names):
        yield deferral  # deferred already (an outer bulk write), or a store without the indexes: what it says is not asked
        return
    for name in names:
        conn.execute(f"DROP TRIGGER [{name}]")
    yield deferral
    for table, columns in FTS_TABLES.items():
        if deferral.rebuild:
            conn.execute(f"INSERT INTO [{table}_fts] ([{table}_fts]) VALUES ('rebuild')")
        for statement in _statements(fts_triggers(table, columns)):
            conn.execute(statement)


@contextmanager
def indexes_deferred(conn: sqlite3.Connection, names: Collection[str]) -> Iterator[None]:
    """Inside a write transaction: these indexes dropped for a bulk write and made again, as they were, once it is done.

    For indexes whose keys come in random order (a name's folded key) and which no query of the write reads: kept row
    by row, each insert lands on another page of the index (100,000 names: 2.0 s); made at the end, one sort (1.2 s in
    all). On an error they are not made again: the transaction's rollback restores them."""
    marks = ",".join("?" * len(names))
    found = conn.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN ({marks})", list(names)).fetchall()
    for name, _ in found:
        conn.execute(f"DROP INDEX [{name}]")
    yield
    for _, sql in found:
        conn.execute(sql)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector off for a bulk step (an import, a regroup, building or loading the search index).

    Such a step makes millions of small objects that live on (records, keys, index tables); each of the collector's
    full passes walks all of them, and it passes again as they grow: a quarter of a 100,000-row import was collection.
    Nothing they hold is cyclic garbage, and reference counting still frees the rest. Nested uses are one.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# -- what a failure means ----------------------------------------------------------------------------

SAVE_FIRST = "save what can be read first: watchlist backup -o COPY.db and watchlist userdata export -o mine.json"


def explain(path: Path | str, exc: BaseException) -> str:
    """One line for an SQLite error: busy, full, unreadable, or (only when ``integrity_check`` fails) damaged."""
    text = str(exc)
    if isinstance(exc, StoreError):
        return text
    if "locked" in text or "busy" in text:
        return f"{path}: the store is busy (another process is writing); nothing was changed; try again, or wait longer with --wait SECONDS"
    if "full" in text or ("disk I/O" in text and _disk_full(path)):
        return f"{path}: the disk holding the store is full ({text}); nothing was changed; free some space and try again"
    if "too many SQL variables" in text or "too big" in text:
        return f"{path}: a request was too large for SQLite ({text}); the store is fine; please report this"
    if "unable to open" in text or "readonly" in text:
        return f"{path}: cannot open the store's files ({text}); check the permissions of the file and its folder"
    problem = integrity(path)
    if problem:
        return f"{path}: store is damaged (integrity_check: {problem}); {SAVE_FIRST}, then restore a backup"
    return f"{path}: store error ({text}); integrity_check finds the store intact"


def _disk_full(path: Path | str) -> bool:
    try:
        info = os.statvfs(Path(path).parent)
    except OSError:
        return False
    return info.f_bavail * info.f_frsize < 1 << 20


def integrity(path: Path | str) -> str | None:
    """The first problem ``PRAGMA integrity_check`` finds in the store (None when it says ok)."""
    try:
        conn = sqlite3.connect(uri(path, mode="ro"), uri=True)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
            found = [r[0] for r in conn.execute("PRAGMA integrity_check(3)")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    if found == ["ok"]:
        return None
    lines = [line.strip() for text in found for line in text.splitlines()]
    return "; ".join(line for line in lines if line and not line.startswith("***"))


def generation(conn: sqlite3.Connection) -> tuple[int, int]:
    """The store's (data, user) generations: bumped by every finished import or regrouping, and every user write."""
    found = dict(conn.execute("SELECT key, value FROM store_state"))
    return found.get("data", 0), found.get("user", 0)


IN_JSON = "IN (SELECT value FROM json_each(?))"  # any number of ids or keys as one bound value: see as_json


def as_json(values: list | tuple | set) -> str:
    """The one parameter of :data:`IN_JSON`."""
    return json.dumps(list(values))


def user() -> str:
    """Who is writing (the OS user), for decisions and notes."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
