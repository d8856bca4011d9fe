"""Per-thread store connections for Textual thread workers (a sqlite3 connection stays in its thread)."""

from __future__ import annotations

import threading
from pathlib import Path

import sqlite_utils
from textual.message import Message
from textual.message_pump import MessagePump
from textual.worker import get_current_worker

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


def post_if_current(target: MessagePump, message: Message) -> None:
    """From an exclusive thread worker: post ``message`` unless a newer run of the same worker has started since.

    A thread cannot be stopped, so a run cancelled by a newer one still finishes; what it read is older than what
    the newer run will read, and posted after it would replace a fresh table with a stale one (a star made from the
    CLI shown, then hidden again).
    """
    if not get_current_worker().is_cancelled:
        target.post_message(message)
