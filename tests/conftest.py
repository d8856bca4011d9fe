"""Shared fixtures: one store built from the real seed per session, copied for tests that write."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from watchlist.store import connect, seed


@pytest.fixture(scope="session")
def seed_db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file built once from the bundled seed (read-only use)."""
    path = tmp_path_factory.mktemp("seed") / "seed.db"
    db = connect(path)
    seed.build(db)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return path


@pytest.fixture
def seed_db_copy(seed_db_path: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded store that a test may change."""
    dest = tmp_path / "store.db"
    src = sqlite3.connect(seed_db_path)
    dst = sqlite3.connect(dest)
    src.backup(dst)
    src.close()
    dst.close()
    return dest


@pytest.fixture
def seed_db(seed_db_path: Path):
    """The seeded store opened read-only."""
    db = connect(seed_db_path, readonly=True)
    yield db
    db.conn.close()


@pytest.fixture
def empty_db(tmp_path: Path):
    """A new empty store."""
    db = connect(tmp_path / "empty.db")
    yield db
    db.conn.close()


def write(path: Path, text: str) -> Path:
    """Write a small test input file."""
    path.write_text(text, encoding="utf-8")
    return path

