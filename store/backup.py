"""Copies of what must never be lost: the whole store (SQLite's online backup) and the user's own data (JSON).

A store backup is consistent while the app or an import holds the store open. User data (stars, tags, notes and
their history, the names you gave entities, link, resolution and screening decisions, screening runs) exports to one
JSON file and imports back into any store, merging: nothing already there is overwritten or lost.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import sqlite_utils

from .db import inserted, now, rows, store_path, transaction, uri, user
from .errors import StoreError
from .export import check_output, file_mode, write_whole
from .resolve import regroup
from .userdata import both_kept, clean_alias

FORMAT = "watchlist-userdata"
VERSION = 1

# (table, columns that identify a row across stores); every one is append-only history or keyed by entity key.
_EVENTS = {
    "resolve_decisions": ("user_resolve_events", ("key_a", "key_b", "decision", "note", "decided_at", "user")),
    "link_decisions": ("user_link_events", ("party_key", "entity_key", "decision", "decided_at", "user")),
    "note_history": ("user_note_history", ("entity_key", "note", "saved_at", "user")),
}
_RUN = ("file", "content_hash", "started", "user", "threshold", "snapshot", "summary")
_RUN_ROW = ("line", "name", "country", "input", "status", "entity_key", "score", "lists", "matches", "fingerprint")
_RUN_EVENT = ("line", "entity_key", "decision", "note", "decided_at", "user")


def backup_store(db: sqlite_utils.Database, out: Path) -> dict[str, Any]:
    """Copy the store to ``out`` with SQLite's online backup (consistent while others read and write), checked, then renamed into place."""
    source = Path(store_path(db.conn))
    check_output(out)
    if out.exists() and out.resolve() == source.resolve():
        raise StoreError(f"{out}: is the store itself; name another file")
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(handle)  # a new, empty file of our own: SQLite writes it from here
    try:
        copy = sqlite3.connect(uri(tmp, mode="rw"), uri=True)
        try:
            db.conn.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
            check = copy.execute("PRAGMA quick_check").fetchone()[0]
            counts = {
                "entities": copy.execute("SELECT count(*) FROM entities").fetchone()[0],
                "user_notes": copy.execute("SELECT count(*) FROM user_notes").fetchone()[0],
                "user_watchlist": copy.execute("SELECT count(*) FROM user_watchlist").fetchone()[0],
            }
        finally:
            copy.close()
        if check != "ok":
            raise StoreError(f"{out}: the copy does not check out ({check}); nothing written")
        os.chmod(tmp, file_mode())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {"file": str(out), "bytes": out.stat().st_size, **counts}


def export_userdata(db: sqlite_utils.Database) -> dict[str, Any]:
    """Everything the user wrote, as one JSON-ready dict."""
    conn = db.conn
    out: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now(),
        "store": store_path(conn),
        "watchlist": rows(conn, "SELECT entity_key, starred_at, tags FROM user_watchlist ORDER BY rowid"),
        "notes": rows(conn, "SELECT entity_key, note, updated_at FROM user_notes ORDER BY entity_key"),
        "aliases": rows(conn, "SELECT entity_key, name, added_at, user FROM user_aliases ORDER BY id"),
    }
    for name, (table, columns) in _EVENTS.items():
        out[name] = rows(conn, f"SELECT {', '.join(columns)} FROM {table} ORDER BY id")
    runs = rows(conn, f"SELECT id, {', '.join(_RUN)} FROM user_screening_runs ORDER BY id")
    for run in runs:
        run_id = run.pop("id")
        run["rows"] = rows(conn, f"SELECT {', '.join(_RUN_ROW)} FROM user_screening_rows WHERE run_id = ? ORDER BY line", (run_id,))
        run["decisions"] = rows(conn, f"SELECT {', '.join(_RUN_EVENT)} FROM user_screening_events WHERE run_id = ? ORDER BY id", (run_id,))
    out["screening_runs"] = runs
    return out


def write_userdata(db: sqlite_utils.Database, out: Path) -> dict[str, int]:
    """Export the user's data to ``out`` (written whole or not at all); return the counts written."""
    check_output(out)
    data = export_userdata(db)
    write_whole(out, [json.dumps(data, ensure_ascii=False, indent=1), "\n"])
    return counts(data)


def counts(data: dict[str, Any]) -> dict[str, int]:
    """How many of each kind of user data a dict from :func:`export_userdata` holds."""
    return {k: len(v) for k, v in data.items() if isinstance(v, list)}


def auto_backup(db: sqlite_utils.Database) -> Path:
    """Before something destructive: the user's data to ``<store>-userdata-<time>.json`` beside the store."""
    store = Path(store_path(db.conn))
    out = store.with_name(f"{store.stem}-userdata-{now().replace(':', '')}.json")
    write_userdata(db, out)
    return out


def import_userdata(db: sqlite_utils.Database, data: Any, source: str = "file") -> dict[str, int]:
    """Merge exported user data into the store, in one transaction; return how many of each were new.

    Stars keep the earliest time and every tag; a note that differs from the one here is kept beside it
    (both texts, marked); decisions and note versions already here are not repeated.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StoreError(f'{source}: not a watchlist user-data file (no "format": "{FORMAT}")')
    if not isinstance(data.get("version"), int) or data["version"] > VERSION:
        raise StoreError(f"{source}: user-data version {data.get('version')!r} is newer than this watchlist knows ({VERSION})")
    added = {"watchlist": 0, "notes": 0, "aliases": 0, "screening_runs": 0, "screening_decisions": 0, **dict.fromkeys(_EVENTS, 0)}
    try:
        with transaction(db.conn) as conn:
            for star in data.get("watchlist", []):
                before = conn.total_changes
                conn.execute(
                    "INSERT INTO user_watchlist (entity_key, starred_at, tags) VALUES (?,?,?) ON CONFLICT(entity_key) DO UPDATE"
                    " SET starred_at = min(starred_at, excluded.starred_at), tags = trim(tags || ' ' || excluded.tags)"
                    " WHERE (' ' || tags || ' ') NOT LIKE ('% ' || excluded.tags || ' %') OR excluded.starred_at < starred_at",
                    (star["entity_key"], star["starred_at"], star.get("tags") or ""),
                )
                added["watchlist"] += conn.total_changes > before
            for note in data.get("notes", []):
                added["notes"] += _merge_note(conn, note["entity_key"], note["note"], note.get("updated_at") or now())
            for alias in data.get("aliases", []):
                added["aliases"] += conn.execute(
                    "INSERT OR IGNORE INTO user_aliases (entity_key, name, added_at, user) VALUES (?,?,?,?)",
                    (alias["entity_key"], clean_alias(alias["name"]), alias.get("added_at") or now(), alias.get("user") or ""),
                ).rowcount
            for name, (table, columns) in _EVENTS.items():
                for event in data.get(name, []):
                    added[name] += _append_new(conn, table, columns, event)
            for run in data.get("screening_runs", []):
                run_id, new = _run_id(conn, run)
                added["screening_runs"] += new
                for event in run.get("decisions", []):
                    added["screening_decisions"] += _append_new(conn, "user_screening_events", ("run_id", *_RUN_EVENT), {**event, "run_id": run_id})
            if added["resolve_decisions"]:
                regroup(conn)
    except (KeyError, TypeError, AttributeError) as exc:
        raise StoreError(f"{source}: malformed user-data file ({type(exc).__name__}: {exc}); nothing was imported") from None
    return added


def _merge_note(conn: sqlite3.Connection, key: str, note: str, at: str) -> int:
    row = conn.execute("SELECT note FROM user_notes WHERE entity_key = ?", (key,)).fetchone()
    if row and note.strip() in row[0]:
        return 0
    merged = note if not row else both_kept(row[0], note, at)
    conn.execute(
        "INSERT INTO user_notes (entity_key, note, updated_at) VALUES (?,?,?) ON CONFLICT(entity_key)"
        " DO UPDATE SET note = excluded.note, updated_at = excluded.updated_at",
        (key, merged, now()),
    )
    conn.execute("INSERT INTO user_note_history (entity_key, note, saved_at, user) VALUES (?,?,?,?)", (key, merged, now(), user()))
    return 1


def _append_new(conn: sqlite3.Connection, table: str, columns: tuple[str, ...], event: dict[str, Any]) -> int:
    values = tuple(event.get(c) for c in columns)
    same = " AND ".join(f"{c} IS ?" for c in columns)
    if conn.execute(f"SELECT 1 FROM {table} WHERE {same}", values).fetchone():
        return 0
    conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({','.join('?' * len(columns))})", values)
    return 1


def _run_id(conn: sqlite3.Connection, run: dict[str, Any]) -> tuple[int, int]:
    """The id of this run in the store (inserted with its rows when new)."""
    found = conn.execute(
        "SELECT id FROM user_screening_runs WHERE file IS ? AND content_hash IS ? AND started IS ? AND user IS ?",
        (run["file"], run["content_hash"], run["started"], run["user"]),
    ).fetchone()
    if found:
        return found[0], 0
    run_id = inserted(
        conn.execute(f"INSERT INTO user_screening_runs ({', '.join(_RUN)}) VALUES ({','.join('?' * len(_RUN))})", tuple(run[c] for c in _RUN))
    )
    conn.executemany(
        f"INSERT INTO user_screening_rows (run_id, {', '.join(_RUN_ROW)}) VALUES (?, {','.join('?' * len(_RUN_ROW))})",
        [(run_id, *(r.get(c) for c in _RUN_ROW)) for r in run.get("rows", [])],
    )
    return run_id, 1
