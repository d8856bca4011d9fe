"""Opening stores: migrations, newer versions refused, non-stores refused, all with one line."""

import sqlite3

import pytest

from watchlist.store import StoreError, connect
from watchlist.store.schema import SCHEMA_VERSION


def test_new_store_is_at_current_version_in_wal_mode(tmp_path):
    db = connect(tmp_path / "s.db")
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_newer_store_is_refused(tmp_path):
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this watchlist"):
        connect(path)


def test_not_a_database_is_refused(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a watchlist store"):
        connect(path)
