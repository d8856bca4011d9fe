"""Shared fixtures: one store built from the real seed per test run (shared by the xdist workers), copied for tests that write."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")  # the tests read screens, not transitions (apps in subprocesses too)

from watchlist.store import connect, seed
from watchlist.store.index_file import SUFFIX, open_index

_SEEDED = {"seed_db_path", "seed_db_copy", "seed_db", "rebuilt", "rebuilt_copy"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The order that keeps both workers busy: tests that need no seed store first (the other worker runs them while one
    builds the seed); then one test of the rebuilt store (its worker rebuilds while the other runs the seeded tests);
    the seeded tests; the other rebuilt-store tests last, when the rebuild is long done and nobody waits for it."""

    def needs(item: pytest.Item, names: set[str]) -> bool:
        return bool(set(getattr(item, "fixturenames", ())) & names)

    rebuilt = [i for i in items if needs(i, {"rebuilt", "rebuilt_copy"})]

    def rank(item: pytest.Item) -> int:
        if not needs(item, _SEEDED):
            return 0
        if item in rebuilt:
            return 1 if item is rebuilt[0] else 3
        return 2

    items.sort(key=rank)


def _once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], dict]) -> tuple[Path, dict]:
    """A folder made once per test run: under pytest-xdist the workers share the run's folder, the first makes it
    (``make(folder)`` returns what to remember), the others wait on a lock file of its own (never a store) and read it."""
    shared = tmp_path_factory.getbasetemp().parent if os.environ.get("PYTEST_XDIST_WORKER") else tmp_path_factory.getbasetemp()
    folder = shared / name
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = folder / "done.json"
        if not done.exists():
            folder.mkdir(exist_ok=True)
            done.write_text(json.dumps(make(folder)), encoding="utf-8")
        return folder, json.loads(done.read_text(encoding="utf-8"))


def _build_seed(folder: Path) -> dict:
    db = connect(folder / "seed.db")
    seed.build(db)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    open_index(db.conn)  # saved beside it: every app and command on the seed (or a copy) loads it
    db.conn.close()
    return {}


@pytest.fixture(scope="session")
def seed_db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file built once from the bundled seed (read-only use; shared by the run's workers)."""
    folder, _ = _once(tmp_path_factory, "seed", _build_seed)
    return folder / "seed.db"


@pytest.fixture
def seed_db_copy(seed_db_path: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded store that a test may change."""
    return copy_store(seed_db_path, tmp_path / "store.db")


def table_digests(conn: sqlite3.Connection, skip: Callable[[str], bool] = lambda table: False) -> dict[str, int]:
    """A digest of each table's rows, in rowid order: equal digests, equal data (compared within one process: the rows
    are hashed as Python tuples, many times quicker than a repr through sha256 and as exact for this)."""
    names = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name")]
    return {table: hash(tuple(conn.execute(f"SELECT * FROM {table} ORDER BY rowid"))) for table in names if not skip(table)}


def copy_store(src_path: Path, dest: Path) -> Path:
    """A consistent copy of a store file (SQLite online backup), with its saved search index (the same store's)."""
    src, dst = sqlite3.connect(src_path), sqlite3.connect(dest)
    dst.execute("PRAGMA synchronous = OFF")  # a test's copy need not reach the disk: no fsync (0.25 s of each copy)
    src.backup(dst)
    src.close()
    dst.close()
    index = Path(str(src_path) + SUFFIX)
    if index.exists():
        shutil.copyfile(index, str(dest) + SUFFIX)
    return dest


# Shipments of real listed exporters (Sinno, World Jetta), the rows made up for the tests: not seed data.
SHIPMENTS = """date,exporter,exporter_country,importer,importer_country,hs_code,goods_description,value,quantity,weight
2022-07-01,"Sinno Electronics Co., Ltd.",Hong Kong,Test Importer LLC,Russia,8542.31,processors,12000,300,2.5
2022-08-15,"Sinno Electronics Co., Ltd.",Hong Kong,Test Importer LLC,Russia,854232,memories,8000,,
2022-09-01,Sinno Electronic Co Ltd,HK,Other Buyer,RU,8542.39,ICs,5000,10,1
2022-09-02,World Jeta HK Logistics Ltd,HK,Other Buyer,RU,851762,modules,700,,
2022-13-01,Sinno Electronics Co. Ltd.,HK,X,RU,854231,bad date,1,,
2022-10-01,,HK,X,RU,854231,no exporter,1,,
2022-10-02,Someone,HK,X,RU,9999.98,unknown code,1,,
2022-10-03,Someone,HK,X,RU,854231,negative,-5,,
"""


@pytest.fixture(scope="session")
def rebuilt(seed_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One store on which the user wrote everything a rebuild must keep, then rebuilt from the seed once (a rebuild costs
    a full seed build, so the tests of what survives it share this one): a star, a two-line note and an alias on ofac:38641, a
    split merge and an accepted candidate, a confirmed shipment link. Returns the path and what was decided."""
    folder, candidate = _once(tmp_path_factory, "rebuilt", lambda folder: _rebuild_with_user_data(seed_db_path, folder))
    return {"path": folder / "store.db", "candidate": candidate}


def _rebuild_with_user_data(seed_db_path: Path, folder: Path) -> dict:
    from watchlist.store import importers, links, resolve, userdata

    path = copy_store(seed_db_path, folder / "store.db")
    shipments = folder / "ship.csv"
    shipments.write_text(SHIPMENTS, encoding="utf-8")
    db = connect(path)
    ids = dict(db.conn.execute("SELECT key, id FROM entities"))
    userdata.star(db, "ofac:38641", "hk")
    userdata.set_note(db, "ofac:38641", "Supplier of SMT-iLogic\nCheck the Kowloon address")
    userdata.add_alias(db, "ofac:38641", "Xin Nuo Dian Zi HK")
    resolve.split(db, ids["ofac:38641"])
    candidate = resolve.candidates(db)[0]
    resolve.decide(db, candidate.a_key, candidate.b_key, resolve.SAME)
    importers.import_file(db, shipments)
    links.propose(db)
    fuzzy = next(r for r in links.listing(db) if r.party_name == "World Jeta HK Logistics Ltd")
    links.decide(db, fuzzy.id, "confirmed")
    seed.rebuild(db)  # what `watchlist seed --rebuild` runs
    importers.import_file(db, shipments, force=True)
    links.propose(db)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return {"a_key": candidate.a_key, "b_key": candidate.b_key}


@pytest.fixture
def rebuilt_copy(rebuilt: dict, tmp_path: Path) -> Path:
    """A private copy of the rebuilt store that a test may change."""
    return copy_store(rebuilt["path"], tmp_path / "rebuilt.db")


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
