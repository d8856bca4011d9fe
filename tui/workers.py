"""Per-thread store connections for Textual thread workers (a sqlite3 connection stays in its thread)."""

from __future__ import annotations

import threading
from pathlib import Path

import sqlite_utils

from watchlist.store import connect

_local = threading.local()


def thread_db(path: Path) -> sqlite_utils.Database:
    """A read-only store connection for the current worker thread."""
    db = getattr(_local, "db", None)
    if db is None or getattr(_local, "path", None) != path:
        db = _local.db = connect(path, readonly=True)
        _local.path = path
    return db


def thread_writer(path: Path) -> sqlite_utils.Database:
    """A read-write connection for the current worker thread (user data: stars, notes)."""
    db = getattr(_local, "writer", None)
    if db is None or getattr(_local, "writer_path", None) != path:
        db = _local.writer = connect(path)  # its writes wait for another process's import (store.db.transaction)
        _local.writer_path = path
    return db
