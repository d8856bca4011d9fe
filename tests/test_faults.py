"""Faults: a killed import, another process writing, bad store files. The store stays whole and says what is wrong."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from watchlist.store import ReadOnlyStore, StoreError, connect, importers, queries, userdata
from watchlist.store.schema import DATA_TABLES, SCHEMA_VERSION
from watchlist.tui.cli import main

from .conftest import _once, table_digests
from .pilot import notices, settle, type_text

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seed"
SNAPSHOT = SEED / "entity_list_2025-11-08.csv.gz"  # the real second snapshot, imported by a child process
TRIALS = int(os.environ.get("WATCHLIST_CRASH_TRIALS", "4"))  # the suite's kills; bench/crash_soak.py runs more


def fingerprint(path: Path) -> dict[str, int]:
    """A digest of every table's rows (the import log and the full-text index, which follows names, aside)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return table_digests(conn, skip=lambda table: table == "imports" or "_fts" in table)
    finally:
        conn.close()


@pytest.fixture(scope="session")
def baseline_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the 2022-04 CSL and the user's star, note and decision; closed and checkpointed (made once per
    run, shared by the workers: the tests copy it)."""
    folder, _ = _once(tmp_path_factory, "faults-baseline", _make_baseline)
    return folder / "baseline.db"


def _make_baseline(folder: Path) -> dict:
    path = folder / "baseline.db"
    db = connect(path)
    importers.import_file(db, SEED / "consolidated_2022-04.csv.gz", source_name="CSL 2022-04")
    userdata.star(db, "ofac:38641", "supplier")
    userdata.set_note(db, "ofac:38641", "Watch for the June 2022 Entity List rule")
    db.conn.execute("INSERT INTO user_resolve_events (key_a, key_b, decision, decided_at) VALUES ('el:a', 'el:b', 'different', '2026-01-01T00:00:00')")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return {}


def _child_import(store: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "watchlist.tui", "--db", str(store), "import", str(SNAPSHOT)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_killed_import_leaves_the_store_exactly_as_before(baseline_store: Path, tmp_path: Path, capsys):
    before = fingerprint(baseline_store)
    # how long a whole import takes here, and when its log row appears (the process has started and the import begun:
    # Python's start and the file's reading come first), so the kills land inside the import
    timed = tmp_path / "timed.db"
    shutil.copy(baseline_store, timed)
    started = time.perf_counter()
    child = _child_import(timed)
    begun = None
    watch = sqlite3.connect(f"file:{timed}?mode=ro", uri=True)
    while child.poll() is None and begun is None:
        if watch.execute("SELECT 1 FROM imports WHERE file LIKE '%entity_list_2025%'").fetchone():
            begun = time.perf_counter() - started
        time.sleep(0.01)
    watch.close()
    assert child.wait(timeout=120) == 0
    whole = time.perf_counter() - started
    begun = begun if begun is not None else 0.0
    after = fingerprint(timed)
    assert after != before  # the import does change the store when it finishes
    rng = random.Random(8)
    outcomes = {"no log row yet": 0, "log says running": 0, "finished before the kill (not counted)": 0}
    kills = attempt = 0
    while kills < TRIALS and attempt < TRIALS * 3:
        attempt += 1
        store = tmp_path / f"trial{attempt}.db"
        shutil.copy(baseline_store, store)
        child = _child_import(store)
        time.sleep(begun + rng.uniform(0.05, 0.8) * (whole - begun))
        if child.poll() is not None:  # a fast run finished first: not a crash, try again
            outcomes["finished before the kill (not counted)"] += 1
            store.unlink()
            continue
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        db = connect(store)  # read-write: replays or discards the WAL as SQLite does after a crash
        assert db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        statuses = [s for (s,) in db.conn.execute("SELECT status FROM imports WHERE file LIKE '%entity_list_2025%'")]
        assert userdata.note_of(db, "ofac:38641") == "Watch for the June 2022 Entity List rule"
        db.conn.close()
        if statuses == ["ok"]:  # the kill landed after the commit: the whole import is there, not a part of it
            assert fingerprint(store) == after
            outcomes["finished before the kill (not counted)"] += 1
            store.unlink()
            continue
        kills += 1
        assert statuses in ([], ["running"]), statuses
        outcomes["log says running" if statuses else "no log row yet"] += 1
        assert fingerprint(store) == before, f"kill {kills}: data changed by a killed import"
        store.unlink()
    assert kills == TRIALS, outcomes
    with capsys.disabled():
        print(
            f"\ncrash: {kills} imports killed with SIGKILL inside a {whole:.1f} s import (begun at {begun:.1f} s): store intact every time; {outcomes}"
        )
    assert outcomes["log says running"] >= TRIALS // 2


def test_stats_shows_an_unfinished_import(baseline_store: Path, tmp_path: Path):
    store = tmp_path / "s.db"
    shutil.copy(baseline_store, store)
    child = _child_import(store)
    deadline = time.time() + 30
    while time.time() < deadline:  # wait for the import to log itself, then kill it
        conn = sqlite3.connect(store)
        conn.execute("PRAGMA busy_timeout = 1000")
        running = conn.execute("SELECT count(*) FROM imports WHERE status = 'running'").fetchone()[0]
        conn.close()
        if running:
            break
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    out = CliRunner().invoke(main, ["--db", str(store), "stats"]).output
    assert "entity_list_2025-11-08.csv.gz (csl, as of 2025-10-08): did not finish" in out


def test_reader_keeps_reading_while_another_process_imports(baseline_store: Path, tmp_path: Path):
    store = tmp_path / "c.db"
    shutil.copy(baseline_store, store)
    before = connect(store, readonly=True)
    el_before = before.conn.execute("SELECT count(*) FROM listings WHERE list = 'EL'").fetchone()[0]
    errors: list[str] = []
    reads = 0
    child = _child_import(store)
    db = connect(store, readonly=True)
    while child.poll() is None:
        try:
            queries.stats(db)
            queries.entity(db, 1)
            reads += 1
        except sqlite3.Error as exc:
            errors.append(str(exc))
    assert child.returncode == 0 and not errors and reads > 3
    after = db.conn.execute("SELECT count(*) FROM listings WHERE list = 'EL'").fetchone()[0]
    assert after > el_before  # the same connection sees the import once it committed
    db.conn.close()
    before.conn.close()


def test_a_user_write_waits_for_a_long_import_instead_of_failing(baseline_store: Path, tmp_path: Path):
    """A star saved while another process holds the write lock longer than the busy timeout still lands."""
    store = tmp_path / "w.db"
    shutil.copy(baseline_store, store)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
                "c.execute('BEGIN IMMEDIATE'); c.execute(\"UPDATE entities SET last_seen = last_seen\"); "
                "print('locked', flush=True); time.sleep(7); c.execute('COMMIT')"
            ),
            str(store),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    from watchlist.tui.workers import thread_writer

    result: list[object] = []

    def star() -> None:
        try:
            userdata.star(thread_writer(store), "ofac:38641", "while importing")
            result.append("ok")
        except Exception as exc:
            result.append(exc)

    worker = threading.Thread(target=star)
    worker.start()
    worker.join(timeout=60)
    holder.wait(timeout=30)
    assert result == ["ok"]
    db = connect(store, readonly=True)
    assert db.conn.execute("SELECT tags FROM user_watchlist WHERE entity_key = 'ofac:38641'").fetchone()[0] == "while importing"
    db.conn.close()


# -- bad store files ------------------------------------------------------------------------------


def _one_line_error(path: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", str(path), *(args or ("stats",))])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("watchlist: "), result.output
    return lines[0]


def test_not_sqlite_empty_and_folder_are_refused_in_one_line(tmp_path: Path):
    text = tmp_path / "notes.txt"
    text.write_text("this is not a database\n" * 50)
    assert "not an SQLite database" in _one_line_error(text)
    empty = tmp_path / "empty.db"
    empty.touch()
    assert "empty file" in _one_line_error(empty)
    assert empty.stat().st_size == 0  # nothing was written into it
    folder = CliRunner().invoke(main, ["--db", str(tmp_path), "stats"])
    assert folder.exit_code == 2 and "is a directory" in folder.output  # a usage error, caught by the option itself
    with pytest.raises(StoreError, match="is a folder"):
        connect(tmp_path)


def test_another_programs_sqlite_database_is_left_alone(tmp_path: Path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.commit()
    conn.close()
    assert "other tables" in _one_line_error(other)
    conn = sqlite3.connect(other)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["invoices"]
    conn.close()


def test_truncated_and_corrupted_stores_give_one_line(baseline_store: Path, tmp_path: Path):
    truncated = tmp_path / "truncated.db"
    shutil.copy(baseline_store, truncated)
    with truncated.open("r+b") as f:
        f.truncate(truncated.stat().st_size // 3)
    line = _one_line_error(truncated)
    assert "damaged" in line and "integrity_check" in line and "delete" not in line
    corrupted = tmp_path / "corrupted.db"
    shutil.copy(baseline_store, corrupted)
    size = corrupted.stat().st_size
    with corrupted.open("r+b") as f:  # scribble over the middle of the file, the header intact
        f.seek(size // 2)
        f.write(os.urandom(size // 4))
    line = _one_line_error(corrupted, "search", "sinno")
    assert "damaged" in line or "not a watchlist store" in line


def test_a_store_from_a_newer_version_is_refused(tmp_path: Path):
    newer = tmp_path / "newer.db"
    connect(newer).conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    assert f"schema version {SCHEMA_VERSION + 1} is newer" in _one_line_error(newer)


def test_a_read_only_store_opens_for_browsing_only(baseline_store: Path, tmp_path: Path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    store = folder / "store.db"
    shutil.copy(baseline_store, store)
    store.chmod(0o444)
    folder.chmod(0o555)
    try:
        if os.access(store, os.W_OK):  # running as root: permissions do not bind, so say the file is read-only
            monkeypatch.setattr("watchlist.store.db.writable", lambda path: False)
        with pytest.raises(ReadOnlyStore):
            connect(store)
        runner = CliRunner()
        shown = runner.invoke(main, ["--db", str(store), "search", "sinno electronics", "--json"])
        assert shown.exit_code == 0 and '"results"' in shown.output and "read-only store, browsing only" in shown.output
        assert "read-only" in _one_line_error(store, "import", str(SNAPSHOT))
        assert "read-only" in _one_line_error(store, "resolve", "same", "ofac:38641", "ofac:20202")
    finally:
        folder.chmod(0o755)
        store.chmod(0o644)


def test_the_app_on_a_read_only_store_refuses_edits(baseline_store: Path, tmp_path: Path):
    import asyncio

    from textual.widgets import DataTable

    from watchlist.tui.app import WatchlistApp

    async def scenario():
        app = WatchlistApp(baseline_store, readonly=True)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(app, pilot)
            await type_text(app, pilot, "centre bright electronics")  # a firm on the 2022-04 list this store holds
            await pilot.press("down")
            assert app.screen.query_one("#results", DataTable).row_count > 0
            await pilot.press("w", "n")
            await settle(app, pilot)
            assert "browsing only" in notices(app)
            assert app.sub_title == "read-only store: browsing only"

    before = fingerprint(baseline_store)
    asyncio.run(scenario())
    assert fingerprint(baseline_store) == before


def test_opening_never_writes_into_a_file_it_refuses(tmp_path: Path):
    for content in (b"", b"PK\x03\x04 a zip file", b"SQLite format 3\x00" + b"\x00" * 50):
        path = tmp_path / "bad.db"
        path.write_bytes(content)
        with pytest.raises(StoreError):
            connect(path)
        assert path.read_bytes() == content
        assert not Path(str(path) + "-wal").exists()
        path.unlink()


def test_data_tables_list_every_table_imports_write(baseline_store: Path):
    conn = sqlite3.connect(baseline_store)
    tables = {t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'")}
    conn.close()
    fts = {t for t in tables if "_fts" in t}  # full-text indexes, kept by triggers on names and entities
    assert tables - fts == set(DATA_TABLES) | {t for t in tables if t.startswith("user_")} | {"store_state"}


def test_the_app_picks_up_an_import_finished_by_another_process(baseline_store: Path, tmp_path: Path):
    import asyncio

    from textual.widgets import DataTable, Input

    from watchlist.tui import app as app_module
    from watchlist.tui.app import WatchlistApp

    store = tmp_path / "live.db"
    shutil.copy(baseline_store, store)

    def winninc_shown(table: DataTable) -> bool:
        return any(str(table.get_row_at(i)[0]).startswith("Winninc") for i in range(table.row_count))

    async def scenario():
        app_module.STORE_POLL_S = 0.2
        app = WatchlistApp(store)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(app, pilot)
            app.screen.query_one("#search", Input).value = "winninc electronic"
            await settle(app, pilot)
            table = app.screen.query_one("#results", DataTable)
            assert not winninc_shown(table)  # added by the June 2022 rule: in the 2025 snapshot, not the 2022 one
            child = _child_import(store)
            while child.poll() is None:
                await pilot.pause(0.1)  # the app keeps answering meanwhile
            assert child.returncode == 0
            for _ in range(30):
                await pilot.pause(0.2)
                await settle(app, pilot)
                if winninc_shown(table):
                    break
            assert winninc_shown(table)

    try:
        asyncio.run(scenario())
    finally:
        app_module.STORE_POLL_S = 1.0
