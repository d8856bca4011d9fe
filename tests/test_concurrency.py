"""Never lose an investigator's work: the app and the CLI at once, locks, kills, full disks, odd paths.

Every test here runs real processes on a real store file: the app's connection pattern (or the real app
in a pseudo-terminal) in one process, the ``watchlist`` command in others.
"""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from watchlist.store import connect, ftm, queries, resolve, screening, seed, userdata
from watchlist.store.db import integrity
from watchlist.store.seed import SEED_FILES

from .conftest import copy_store
from .pilot import settle
from .test_faults import fingerprint

ROOT = Path(__file__).resolve().parent.parent
STAR_KEY = "ofac:38641"  # Sinno Electronics Co., Ltd. (SDN), merged with its Entity List record

# Process A: connections opened the way the app opens them (the CLI's main one, a reader in a worker thread,
# and later a writer), then a star and a note once process B has run its commands.
HOLDER = r"""
import os, sys, threading
sys.path.insert(0, sys.argv[2])
from watchlist.store import connect, userdata
store = sys.argv[1]
main = connect(store)
readers = []
t = threading.Thread(target=lambda: readers.append(connect(store, readonly=True)))
t.start(); t.join()
print("ready", flush=True)
sys.stdin.readline()
writer = connect(store)
files = [os.path.exists(store + "-wal"), os.path.exists(store + "-shm")]
userdata.star(writer, "ofac:38641", "kept")
saved = userdata.set_note(writer, "ofac:38641", "Written by A after B ran", base="")
readers[0].conn.execute("SELECT count(*) FROM entities").fetchone()
files.append(os.path.exists(store + "-wal"))
print("done", all(files), files, flush=True)
sys.stdin.readline()
"""


def cli(store: Path, *args: str, wait: float | None = None, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    """Run ``watchlist --db STORE ARGS`` as its own process."""
    extra = ["--wait", str(wait)] if wait is not None else []
    return subprocess.run(
        [sys.executable, "-m", "watchlist.tui", "--db", str(store), *extra, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, **kw
    )


def _key_of(store: Path, entity_id: int) -> str:
    conn = sqlite3.connect(store)
    try:
        return conn.execute("SELECT key FROM entities WHERE id = ?", (entity_id,)).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    """Small files for process B: a shipments file and a counterparties file."""
    shipments = tmp_path / "shipments.csv"
    shipments.write_text(
        "date,exporter,exporter_country,importer,importer_country,hs_code,value\n2024-03-01,Shenzhen Example Trading,CN,OOO Example,RU,854231,1200\n",
        encoding="utf-8",
    )
    parties = tmp_path / "parties.csv"
    parties.write_text("name,country\nSinno Electronics,HK\nKing Pai Technology,HK\n", encoding="utf-8")
    return {"shipments": shipments, "parties": parties}


def test_cli_commands_beside_an_open_app_never_delete_its_wal_or_lose_its_writes(seed_db_copy: Path, inputs: dict[str, Path]):
    """The reproduction of the lost star and note: B's commands used to drop A's locks and delete the WAL under it."""
    store = seed_db_copy
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(store), str(ROOT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        a, b = _key_of(store, 1), _key_of(store, 2)
        for args in (
            ["stats"],
            ["show", STAR_KEY],
            ["import", str(inputs["shipments"])],
            ["resolve", "same", a, b],
            ["screen", str(inputs["parties"]), "-o", str(inputs["parties"].with_suffix(".out.csv"))],
        ):
            result = cli(store, *args)
            assert result.returncode == 0, (args, result.stderr)
            assert os.path.exists(f"{store}-wal"), f"the WAL was deleted under the open process by: {args}"
        holder.stdin.write("\n")
        holder.stdin.flush()
        line = holder.stdout.readline().split()
        assert line[:2] == ["done", "True"], (line, holder.stderr.read() if holder.poll() is not None else "")
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.wait(timeout=30) == 0
    finally:
        holder.kill()
    db = connect(store, readonly=True)
    assert db.conn.execute("SELECT tags FROM user_watchlist WHERE entity_key = ?", (STAR_KEY,)).fetchone() == ("kept",)
    assert userdata.own_note(db, STAR_KEY) == "Written by A after B ran"
    assert db.conn.execute("SELECT count(*) FROM user_screening_runs").fetchone()[0] == 1
    db.conn.close()
    assert integrity(store) is None


def _pty_app(store: Path) -> tuple[subprocess.Popen, int, list[bytes]]:
    """The real app in a pseudo-terminal of 120×40; what it draws is collected in the returned list."""
    import fcntl
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40", "PYTHONPATH": str(ROOT)}
    env.pop("TEXTUAL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "watchlist.tui", "--db", str(store)],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    os.close(follower)
    screen: list[bytes] = []

    def pump() -> None:
        while True:
            try:
                ready, _, _ = select.select([leader], [], [], 0.5)
                if ready:
                    chunk = os.read(leader, 65536)
                    if not chunk:
                        return
                    screen.append(chunk)
            except OSError:
                return
            if proc.poll() is not None and not ready:
                return

    threading.Thread(target=pump, daemon=True).start()
    return proc, leader, screen


def _wait_for(check, timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _drawn(screen: list[bytes]) -> str:
    return b"".join(screen).decode("utf-8", "replace")


def _type(leader: int, keys: str | bytes) -> None:
    os.write(leader, keys.encode() if isinstance(keys, str) else keys)
    time.sleep(0.3)


def _user_rows(store: Path) -> tuple[list, list]:
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        return (conn.execute("SELECT entity_key FROM user_watchlist").fetchall(), conn.execute("SELECT entity_key, note FROM user_notes").fetchall())
    finally:
        conn.close()


def test_the_real_app_in_a_terminal_keeps_its_star_and_note_while_the_cli_runs(seed_db_copy: Path, inputs: dict[str, Path]):
    store = seed_db_copy
    proc, leader, screen = _pty_app(store)
    try:
        _wait_for(lambda: "Search" in _drawn(screen) or "search" in _drawn(screen), what="the app to draw")
        time.sleep(2)  # the search index builds in a worker
        _type(leader, "sinno electronics")
        _wait_for(lambda: "Sinno Electronics" in _drawn(screen), what="results")
        a, b = _key_of(store, 1), _key_of(store, 2)
        for args in (
            ["stats"],
            ["show", STAR_KEY],
            ["import", str(inputs["shipments"])],
            ["resolve", "same", a, b],
            ["screen", str(inputs["parties"]), "--no-save"],
        ):
            assert cli(store, *args).returncode == 0, args
        assert os.path.exists(f"{store}-wal")
        _type(leader, b"\x1b[B")  # down: into the results
        _type(leader, b"\r")  # open the entity
        time.sleep(1.5)
        _type(leader, "w")  # star it
        _wait_for(lambda: len(_user_rows(store)[0]) == 1, what="the star to commit")
        assert cli(store, "stats").returncode == 0  # another process opens and closes the store again
        _type(leader, "n")
        time.sleep(1.0)
        _type(leader, "kept through it all")
        _type(leader, b"\x13")  # ctrl+s saves the note
        _wait_for(lambda: len(_user_rows(store)[1]) == 1, what="the note to commit")
        assert os.path.exists(f"{store}-wal")
        _type(leader, b"\x11")  # ctrl+q
        proc.wait(timeout=20)
        drawn = _drawn(screen)
        assert "Traceback" not in drawn and "disk I/O error" not in drawn and "malformed" not in drawn
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        os.close(leader)
    stars, notes = _user_rows(store)
    assert len(stars) == 1 and notes[0][1] == "kept through it all"
    assert integrity(store) is None


# -- user data as history -------------------------------------------------------------------------


def test_a_note_saved_after_a_merge_elsewhere_keeps_the_other_records_note(seed_db_copy: Path):
    """Two records, each with its own note, merged by another process: saving one note never deletes the other."""
    db = connect(seed_db_copy)
    a, b = _key_of(seed_db_copy, 1), _key_of(seed_db_copy, 2)
    userdata.set_note(db, a, "Note on A")
    userdata.set_note(db, b, "Note on B")
    assert cli(seed_db_copy, "resolve", "same", a, b).returncode == 0  # the merge, in another process
    entity = queries.entity(db, queries.entity_id_for(db, a))
    assert entity is not None and {n.key for n in entity.notes} == {a, b}
    own = next(n.note for n in entity.notes if n.key == entity.key)
    userdata.set_note(db, entity.key, own + "\nmore", base=own)
    notes = dict(db.conn.execute("SELECT entity_key, note FROM user_notes"))
    assert notes[a].startswith("Note on A") and notes[b].startswith("Note on B")
    assert "Note on A" in userdata.note_of(db, a) and "Note on B" in userdata.note_of(db, a)
    db.conn.close()


def test_a_note_changed_elsewhere_while_it_was_edited_keeps_both_texts(seed_db_copy: Path):
    db = connect(seed_db_copy)
    userdata.set_note(db, STAR_KEY, "first")
    opened = userdata.own_note(db, STAR_KEY)  # the editor opens here ...
    other = connect(seed_db_copy)
    userdata.set_note(other, STAR_KEY, "written meanwhile in another window", base=opened)  # ... another saves ...
    saved = userdata.set_note(db, STAR_KEY, "first, then mine", base=opened)  # ... and this one saves last
    assert saved.conflict
    text = userdata.own_note(db, STAR_KEY)
    assert "first, then mine" in text and "written meanwhile in another window" in text
    assert [h["note"] for h in userdata.note_history(db, STAR_KEY)][:2] == ["first", "written meanwhile in another window"]
    again = userdata.set_note(db, STAR_KEY, "tidied", base=text)
    assert not again.conflict and userdata.own_note(db, STAR_KEY) == "tidied"
    other.conn.close()
    db.conn.close()


def test_a_screening_decision_without_a_note_keeps_the_earlier_note(seed_db_copy: Path, inputs: dict[str, Path]):
    store = seed_db_copy
    assert cli(store, "screen", str(inputs["parties"])).returncode == 0
    assert cli(store, "screenings", "decide", "1", "2", "review", "--note", "Escalated to legal; ticket #4411").returncode == 0
    assert cli(store, "screenings", "decide", "1", "2", "match").returncode == 0
    db = connect(store, readonly=True)
    row = next(r for r in screening.run_rows(db, 1) if r.line == 2)
    assert (row.decision, row.note) == ("match", "Escalated to legal; ticket #4411")
    history = screening.decisions(db, 1, 2)
    assert [h["decision"] for h in history] == ["review", "match"]
    audit = cli(store, "screenings", "audit", "1", "--format", "json")
    assert "Escalated to legal; ticket #4411" in audit.stdout
    db.conn.close()
    assert cli(store, "screenings", "decide", "1", "2", "no-match", "--note", "").returncode == 0  # an explicit empty note clears it
    db = connect(store, readonly=True)
    assert next(r for r in screening.run_rows(db, 1) if r.line == 2).note == ""
    db.conn.close()


def test_resolution_decisions_are_kept_as_history_with_who_and_why(seed_db_copy: Path):
    store = seed_db_copy
    a, b = _key_of(store, 1), _key_of(store, 2)
    assert cli(store, "resolve", "same", a, b, "--note", "same registration number").returncode == 0
    assert cli(store, "resolve", "different", a, b).returncode == 0
    conn = sqlite3.connect(store)
    events = conn.execute("SELECT decision, note, user FROM user_resolve_events ORDER BY id").fetchall()
    current = conn.execute("SELECT decision FROM user_resolve_decisions").fetchall()
    conn.close()
    assert [e[:2] for e in events] == [("same", "same registration number"), ("different", None)] and all(e[2] for e in events)
    assert current == [("different",)]
    same = cli(store, "resolve", "same", a, a)
    assert same.returncode == 2 and "the same record twice" in same.stderr and "Traceback" not in same.stderr


# -- backups ---------------------------------------------------------------------------------------


def test_backup_and_userdata_export_import_while_another_process_writes(seed_db_copy: Path, tmp_path: Path, inputs: dict[str, Path]):
    store = seed_db_copy
    db = connect(store)
    userdata.star(db, STAR_KEY, "supplier")
    userdata.set_note(db, STAR_KEY, "Watch for the June 2022 rule")
    assert cli(store, "screen", str(inputs["parties"])).returncode == 0
    screening.decide(db, 1, 2, "review", "check the address")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(store), str(ROOT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        copy = tmp_path / "backups" / "copy #1.db"
        result = cli(store, "backup", "-o", str(copy))
        assert result.returncode == 0 and "quick_check ok" in result.stderr, result.stderr
        mine = tmp_path / "mine.json"
        assert cli(store, "userdata", "export", "-o", str(mine)).returncode == 0
        holder.stdin.write("\n\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    finally:
        holder.kill()
    assert integrity(copy) is None and not Path(f"{copy}-wal").exists()
    backed = connect(copy, readonly=True)
    assert backed.conn.execute("SELECT count(*) FROM entities").fetchone()[0] == db.conn.execute("SELECT count(*) FROM entities").fetchone()[0]
    backed.conn.close()
    data = json.loads(mine.read_text(encoding="utf-8"))
    assert data["format"] == "watchlist-userdata" and data["watchlist"][0]["tags"] == "supplier"
    assert data["screening_runs"][0]["decisions"][0]["note"] == "check the address"
    # into a fresh store built from the seed: everything lands, and a second import adds nothing
    fresh = tmp_path / "fresh.db"
    shutil.copy(copy, fresh)
    fresh_db = connect(fresh)
    with fresh_db.conn:
        pass
    for table in ("user_watchlist", "user_notes", "user_note_history", "user_screening_events", "user_screening_rows", "user_screening_runs"):
        fresh_db.conn.execute(f"DELETE FROM {table}")
    first = cli(fresh, "userdata", "import", str(mine))
    assert first.returncode == 0, first.stderr
    assert userdata.own_note(fresh_db, STAR_KEY) == "Watch for the June 2022 rule"
    assert screening.run_rows(fresh_db, fresh_db.conn.execute("SELECT max(id) FROM user_screening_runs").fetchone()[0])
    again = cli(fresh, "userdata", "import", str(mine))
    assert "new: 0 watchlist, 0 notes, 0 aliases, 0 screening runs, 0 screening decisions" in again.stdout, again.stdout
    fresh_db.conn.close()
    db.conn.close()


def test_a_killed_rebuild_leaves_the_store_as_it_was_and_user_data_is_saved_first(seed_db_copy: Path):
    store = seed_db_copy
    db = connect(store)
    userdata.star(db, STAR_KEY, "before the rebuild")
    userdata.set_note(db, STAR_KEY, "must survive")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    before = fingerprint(store)
    child = subprocess.Popen(
        [sys.executable, "-m", "watchlist.tui", "--db", str(store), "seed", "--rebuild"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = ""
    while f"[4/{len(SEED_FILES)}]" not in seen:  # into the rebuild: data cleared, three files imported again, a list next
        line = child.stderr.readline()
        assert line, seen
        seen += line
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert fingerprint(store) == before
    assert integrity(store) is None
    saved = list(store.parent.glob("store-userdata-*.json"))
    assert len(saved) == 1 and "must survive" in saved[0].read_text(encoding="utf-8")
    result = cli(store, "search", "sinno electronics", "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["results"]


def test_search_and_screen_refuse_a_store_without_list_data(tmp_path: Path, inputs: dict[str, Path]):
    store = tmp_path / "goods-only.db"
    db = connect(store)
    from watchlist.store import importers

    importers.import_file(db, seed.SEED_DIR / "hs2022_sections.csv", "hs-sections")
    db.conn.close()
    for args in (["search", "sinno"], ["screen", str(inputs["parties"])]):
        result = cli(store, *args)
        assert result.returncode == 1 and "no list data" in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "no match" not in result.stdout


# -- writers waiting for each other ---------------------------------------------------------------

LOCKER = r"""
import sqlite3, sys, time, os
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("INSERT INTO imports (file, format, content_hash, started, pid) VALUES ('big-list.csv', 'csl', 'x', 'now', ?)", (os.getpid(),))
c.execute('BEGIN IMMEDIATE')
c.execute("UPDATE entities SET last_seen = last_seen WHERE id = 1")
print('locked', flush=True)
time.sleep(float(sys.argv[2]))
c.execute('ROLLBACK')
c.execute("DELETE FROM imports WHERE file = 'big-list.csv'")
"""


def test_a_writer_says_it_is_waiting_and_a_timeout_is_one_line_not_damage(seed_db_copy: Path):
    store = seed_db_copy
    a, b = _key_of(store, 1), _key_of(store, 2)
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(store), "4"], stdout=subprocess.PIPE, text=True)
    assert locker.stdout.readline().strip() == "locked"
    waited = cli(store, "resolve", "same", a, b, wait=60)
    locker.wait(timeout=30)
    assert waited.returncode == 0, waited.stderr
    assert "waiting for another import (pid" in waited.stderr and "big-list.csv" in waited.stderr
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(store), "6"], stdout=subprocess.PIPE, text=True)
    assert locker.stdout.readline().strip() == "locked"
    gave_up = cli(store, "resolve", "different", a, b, wait=1)
    locker.wait(timeout=30)
    lines = gave_up.stderr.strip().splitlines()
    assert gave_up.returncode == 1 and "still being written" in lines[-1] and "--wait" in lines[-1]
    assert not any(word in gave_up.stderr for word in ("damaged", "delete", "Traceback"))
    conn = sqlite3.connect(store)
    assert conn.execute("SELECT decision FROM user_resolve_decisions").fetchall() == [("same",)]  # the timed-out one: not written
    conn.close()


def test_the_same_file_imported_twice_at_once_lands_once(seed_db_copy: Path, tmp_path: Path):
    store = seed_db_copy
    rows = tmp_path / "many.csv"
    with rows.open("w", encoding="utf-8") as f:
        f.write("date,exporter,exporter_country,importer,importer_country,hs_code,value\n")
        for i in range(40_000):
            f.write(f"2024-01-{i % 28 + 1:02d},Exporter {i % 500},CN,Importer {i % 300},RU,854231,{i + 1}\n")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "watchlist.tui", "--db", str(store), "import", str(rows)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    conn = sqlite3.connect(store)
    assert conn.execute("SELECT count(*) FROM shipments").fetchone()[0] == 40_000
    assert conn.execute("SELECT count(*) FROM imports WHERE format = 'shipments' AND status = 'ok'").fetchone()[0] == 1
    conn.close()


def test_a_long_list_of_ids_is_one_parameter_not_too_many_variables(seed_db: sqlite3.Connection):
    """export --query on a large store used to fail with "too many SQL variables" (and call the store damaged)."""
    real = list(range(1, 501))
    ids = real + list(range(10**9, 10**9 + 40_000))  # over SQLite's 32,766 variables; the rest match nothing, cheaply
    found = list(ftm.entities(seed_db, ids))
    assert len(found) > 500 and found == list(ftm.entities(seed_db, real))
    assert resolve.members(seed_db.conn, 1)


# -- the file system -------------------------------------------------------------------------------


def _mount_tmpfs(folder: Path, size_mb: int) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(folder)], capture_output=True)
    return done.returncode == 0


def test_after_a_full_disk_the_store_still_opens_with_all_user_data(seed_db_copy: Path, tmp_path: Path, inputs: dict[str, Path]):
    small = tmp_path / "small"
    size_mb = seed_db_copy.stat().st_size // 2**20 + 12
    if not _mount_tmpfs(small, size_mb):
        pytest.skip("needs root and a tmpfs mount to make a small file system")
    try:
        store = small / "store.db"
        shutil.copy(seed_db_copy, store)
        db = connect(store)
        userdata.star(db, STAR_KEY, "before the disk filled")
        userdata.set_note(db, STAR_KEY, "must survive a full disk")
        db.conn.close()
        a, b = _key_of(store, 1), _key_of(store, 2)
        filler = small / "filler"
        with filler.open("wb") as f:  # fill what is left (this process holds no connection to the store now)
            try:
                while True:
                    f.write(b"\0" * 2**20)
                    f.flush()
            except OSError:
                pass
        big = tmp_path / "big.csv"
        big.write_text("name,country\n" + "Sinno Electronics,HK\n" * 20_000, encoding="utf-8")
        out = cli(store, "screen", str(big), "-o", str(small / "out.csv"))
        assert out.returncode == 1 and "Traceback" not in out.stderr
        for args in (["resolve", "same", a, b], ["seed", "--rebuild"]):
            failed = cli(store, *args)
            assert failed.returncode == 1 and "Traceback" not in failed.stderr, failed.stderr
            assert "is full" in failed.stderr and "delete" not in failed.stderr and "damaged" not in failed.stderr, failed.stderr
        browsing = cli(store, "show", STAR_KEY)  # reading still works on a full disk
        assert browsing.returncode == 0 and "is full, browsing only" in browsing.stderr, browsing.stderr
        filler.unlink()
        assert integrity(store) is None
        stats = cli(store, "stats")
        assert stats.returncode == 0, stats.stderr
        db = connect(store, readonly=True)
        assert userdata.own_note(db, STAR_KEY) == "must survive a full disk"
        db.conn.close()
        assert cli(store, "search", "sinno electronics").returncode == 0
    finally:
        subprocess.run(["umount", "-l", str(small)], capture_output=True)


def test_a_store_on_a_read_only_file_system_browses_in_the_cli_and_the_app(seed_db_path: Path, tmp_path: Path):
    """A read-only mount binds even root: no -shm can be made beside the store, and it still browses."""
    mount = tmp_path / "ro"
    if not _mount_tmpfs(mount, seed_db_path.stat().st_size // 2**20 + 8):
        pytest.skip("needs root and a tmpfs mount to make a read-only file system")
    try:
        store = mount / "store.db"
        shutil.copy(seed_db_path, store)
        if subprocess.run(["mount", "-o", "remount,ro", str(mount)], capture_output=True).returncode != 0:
            pytest.skip("cannot remount read-only here")
        result = cli(store, "search", "sinno electronics", "--json")
        assert result.returncode == 0 and json.loads(result.stdout)["results"], result.stderr
        assert "read-only" in result.stderr
        written = cli(store, "resolve", "same", "1", "2")
        assert written.returncode == 1 and "read-only" in written.stderr and "Traceback" not in written.stderr
        proc, leader, screen = _pty_app(store)
        try:
            _wait_for(lambda: "read-only" in _drawn(screen), what="the app to say read-only")
            time.sleep(2)
            _type(leader, "sinno electronics")
            _wait_for(lambda: "Sinno Electronics" in _drawn(screen), what="results in a read-only store")
            assert proc.poll() is None  # still running: it browses
            _type(leader, b"\x11")
            proc.wait(timeout=20)
            assert "unable to open" not in _drawn(screen) and "Traceback" not in _drawn(screen)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            os.close(leader)
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


@pytest.mark.parametrize("name", ["with space #1?.db", "100%20sure.db", "données ✓.db", "q?x=1#frag.db"])
def test_any_path_works(seed_db_path: Path, tmp_path: Path, name: str):
    folder = tmp_path / "a folder #2 ?%41"
    folder.mkdir()
    store = copy_store(seed_db_path, folder / name)  # with its saved search index, which must load from such a path too
    db = connect(store, readonly=True)
    assert db.conn.execute("SELECT count(*) FROM entities").fetchone()[0] > 10_000
    db.conn.close()
    assert cli(store, "search", "sinno electronics").returncode == 0
    assert cli(store, "resolve", "same", "1", "2").returncode == 0
    assert not (folder / "a folder #2 ").exists() and sorted(p.name for p in folder.iterdir() if p.suffix == ".db") == [name]


# -- the app sees what the CLI wrote ---------------------------------------------------------------


def test_the_open_app_refreshes_after_writes_from_the_cli(seed_db_copy: Path, inputs: dict[str, Path]):
    import asyncio

    from textual.widgets import DataTable

    from watchlist.tui import app as app_module
    from watchlist.tui.app import WatchlistApp
    from watchlist.tui.screens.watchlist import WatchlistScreen

    store = seed_db_copy

    async def scenario() -> None:
        app_module.STORE_POLL_S = 0.2
        app = WatchlistApp(store)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("down", "W")  # out of the search box, then the watchlist
            await settle(app, pilot)
            assert isinstance(app.screen, WatchlistScreen)
            table = app.screen.query_one("#starred", DataTable)
            assert table.row_count == 0
            done = await asyncio.to_thread(cli, store, "resolve", "same", _key_of(store, 1), _key_of(store, 2))
            assert done.returncode == 0
            db = await asyncio.to_thread(connect, store)
            await asyncio.to_thread(userdata.star, db, STAR_KEY, "from the cli")
            await asyncio.to_thread(userdata.set_note, db, STAR_KEY, "noted in another shell")
            for _ in range(50):
                await pilot.pause(0.2)
                if table.row_count == 1:
                    break
            assert table.row_count == 1
            assert "noted in another shell" in str(table.get_row_at(0))
            await pilot.press("escape", "S")
            await settle(app, pilot)
            runs = app.screen.query_one(DataTable)
            before = runs.row_count
            assert (await asyncio.to_thread(cli, store, "screen", str(inputs["parties"]))).returncode == 0
            for _ in range(50):
                await pilot.pause(0.2)
                if runs.row_count == before + 1:
                    break
            assert runs.row_count == before + 1
            db.conn.close()

    try:
        asyncio.run(scenario())
    finally:
        app_module.STORE_POLL_S = 1.0
