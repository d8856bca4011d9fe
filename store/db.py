"""Opening the store: path resolution, pragmas, migrations."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from .errors import StoreError
from .schema import MIGRATIONS, SCHEMA_VERSION

ENV_VAR = "WATCHLIST_DB"


def default_path() -> Path:
    """The store path: ``$WATCHLIST_DB`` or ``watchlist.db`` in the user data directory."""
    if env := os.environ.get(ENV_VAR):
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("watchlist", appauthor=False)) / "watchlist.db"


def connect(path: Path | str, *, readonly: bool = False) -> sqlite_utils.Database:
    """Open (and, unless read-only, create or upgrade) the store at ``path``."""
    path = Path(path)
    try:
        if readonly:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, check_same_thread=False)
        conn.isolation_level = None  # explicit BEGIN/COMMIT: one transaction per imported file
        conn.execute("PRAGMA busy_timeout = 5000")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
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
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: cannot prepare store ({exc})") from None
    elif version < SCHEMA_VERSION:
        raise StoreError(f"{path}: store needs an upgrade; open it once without read-only")
    return sqlite_utils.Database(conn)


def _migrate(conn: sqlite3.Connection, version: int) -> None:
    for number in range(version, SCHEMA_VERSION):
        try:
            conn.executescript("BEGIN;" + MIGRATIONS[number] + f"; PRAGMA user_version = {number + 1}; COMMIT;")
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
