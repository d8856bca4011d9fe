"""Opening the store: path resolution, pragmas, migrations."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from .errors import ReadOnlyStore, StoreError
from .schema import MIGRATIONS, SCHEMA_VERSION

ENV_VAR = "WATCHLIST_DB"
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_MS = 5000  # how long a connection waits for another process's write to finish


def default_path() -> Path:
    """The store path: ``$WATCHLIST_DB`` or ``watchlist.db`` in the user data directory."""
    if env := os.environ.get(ENV_VAR):
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("watchlist", appauthor=False)) / "watchlist.db"


def writable(path: Path) -> bool:
    """True if the store file (or, for a new store, its folder) can be written, and its folder too (journal files)."""
    folder = path.parent if path.parent != Path("") else Path(".")
    if path.exists() and not os.access(path, os.W_OK):
        return False
    return not folder.exists() or os.access(folder, os.W_OK)


def check_file(path: Path) -> None:
    """Refuse, with one line, a path that is not a store: a folder, an empty file, not SQLite, truncated."""
    if not path.exists():
        return
    if path.is_dir():
        raise StoreError(f"{path}: is a folder, not a store file")
    size = path.stat().st_size
    if size == 0:
        raise StoreError(f"{path}: empty file, not a watchlist store (remove it to start a new store there)")
    try:
        with path.open("rb") as f:
            head = f.read(100)
    except OSError as exc:
        raise StoreError(f"{path}: cannot read ({exc.strerror})") from None
    if not head.startswith(SQLITE_HEADER):
        raise StoreError(f"{path}: not a watchlist store (not an SQLite database)")
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    if len(head) < 100 or size < pages * page_size:
        raise StoreError(f"{path}: store is damaged (the file is truncated: {size:,} of {pages * page_size:,} bytes); "
                         "restore a backup, or delete it and run watchlist seed")


def connect(path: Path | str, *, readonly: bool = False) -> sqlite_utils.Database:
    """Open (and, unless read-only, create or upgrade) the store at ``path``.

    Raises :class:`StoreError` with one line for anything that is not a usable store, and
    :class:`ReadOnlyStore` when a read-write open is asked of a file that cannot be written.
    """
    path = Path(path)
    check_file(path)
    if not readonly and not writable(path):
        raise ReadOnlyStore(f"{path}: the store is read-only (the file or its folder cannot be written)")
    try:
        if readonly:
            conn = _open_readonly(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, check_same_thread=False)
        conn.isolation_level = None  # explicit BEGIN/COMMIT: one transaction per imported file
        conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise StoreError(f"{path}: not a watchlist store (an SQLite database with other tables); choose another file")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not a watchlist store ({exc})") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot open ({exc.strerror})") from None
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: store schema version {version} is newer than this watchlist "
            f"(knows {SCHEMA_VERSION}); upgrade watchlist to open it"
        )
    conn.execute("PRAGMA foreign_keys = ON")
    if not readonly:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            _migrate(conn, version)
            if 0 < version < 3:  # a store from before entity resolution: group its records once, now
                _resolve_once(conn)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: cannot prepare store ({exc})") from None
    elif version < SCHEMA_VERSION:
        raise StoreError(f"{path}: store needs an upgrade; open it once without read-only")
    return sqlite_utils.Database(conn)


def _open_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection; ``immutable`` when even the WAL index cannot be created (read-only folder)."""
    if not path.exists():
        raise StoreError(f"{path}: no such store")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        conn.close()
        conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True, check_same_thread=False)
    return conn


def _resolve_once(conn: sqlite3.Connection) -> None:
    from .resolve import run  # deferred: resolution imports the normalisation tables

    conn.execute("BEGIN IMMEDIATE")
    try:
        run(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _migrate(conn: sqlite3.Connection, version: int) -> None:
    for number in range(version, SCHEMA_VERSION):
        try:
            conn.executescript("BEGIN;" + MIGRATIONS[number] + f"; PRAGMA user_version = {number + 1}; COMMIT;")
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
