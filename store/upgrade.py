"""Opening a store: :func:`store.db.connect` with the data steps an older schema needs besides its DDL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from . import db
from .importers.apply import rekey
from .resolve import regroup


def data_steps(conn: sqlite3.Connection, version: int) -> None:
    """What a store of schema ``version`` needs once its tables are upgraded (in the same transaction)."""
    if version < 13:  # names keyed by an older normalisation (or never grouped): key them again, group once
        rekey(conn)
        regroup(conn)


def connect(path: Path | str, *, readonly: bool = False) -> sqlite_utils.Database:
    """Open (and, unless read-only, create or upgrade) the store at ``path``; one-line :class:`StoreError` otherwise."""
    return db.connect(path, readonly=readonly, upgrade=data_steps)
