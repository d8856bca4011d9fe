"""The user's own data: stars, tags and notes, keyed by stable entity keys and never touched by imports."""

from __future__ import annotations

import time
from typing import Any

import sqlite_utils

from .queries import rows


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


def is_starred(db: sqlite_utils.Database, key: str) -> bool:
    """True if the entity is on the watchlist."""
    return db.conn.execute("SELECT 1 FROM user_watchlist WHERE entity_key = ?", (key,)).fetchone() is not None


def star(db: sqlite_utils.Database, key: str, tags: str = "") -> None:
    """Put an entity on the watchlist (keeps the first star time)."""
    db.conn.execute("INSERT INTO user_watchlist (entity_key, starred_at, tags) VALUES (?,?,?)"
                    " ON CONFLICT(entity_key) DO UPDATE SET tags = excluded.tags", (key, _now(), tags))


def unstar(db: sqlite_utils.Database, key: str) -> None:
    """Take an entity off the watchlist (its note stays)."""
    db.conn.execute("DELETE FROM user_watchlist WHERE entity_key = ?", (key,))


def toggle_star(db: sqlite_utils.Database, key: str) -> bool:
    """Star or unstar; return the new state."""
    if is_starred(db, key):
        unstar(db, key)
        return False
    star(db, key)
    return True


def set_note(db: sqlite_utils.Database, key: str, note: str) -> None:
    """Save (or, when empty, delete) the note on an entity."""
    if note.strip():
        db.conn.execute("INSERT INTO user_notes (entity_key, note, updated_at) VALUES (?,?,?) ON CONFLICT(entity_key)"
                        " DO UPDATE SET note = excluded.note, updated_at = excluded.updated_at", (key, note, _now()))
    else:
        db.conn.execute("DELETE FROM user_notes WHERE entity_key = ?", (key,))


def note_of(db: sqlite_utils.Database, key: str) -> str:
    """The note on an entity ("" if none)."""
    row = db.conn.execute("SELECT note FROM user_notes WHERE entity_key = ?", (key,)).fetchone()
    return row[0] if row else ""


def watchlist(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Starred entities, newest star first, with tags, note, listings and what changed since the star.

    A change counts as "since starred" when the list snapshot it came from is dated after the star
    (so rebuilding the seed does not make old news look new). Stars whose entity is gone from the
    store are kept and shown with ``entity_id`` None.
    """
    out = rows(db.conn, "SELECT w.entity_key AS key, w.starred_at, w.tags, n.note, e.id AS entity_id, e.name, e.countries,"
                        " (SELECT group_concat(l.list, ' ') FROM listings l WHERE l.entity_id = e.id AND l.status = 'active')"
                        "  AS lists FROM user_watchlist w LEFT JOIN entities e ON e.key = w.entity_key"
                        " LEFT JOIN user_notes n ON n.entity_key = w.entity_key ORDER BY w.starred_at DESC, w.rowid DESC")
    for row in out:
        row["lists"] = sorted(set((row["lists"] or "").split()))
        row["changes"] = rows(db.conn, "SELECT c.list, c.change, c.fields, c.as_of FROM changes c"
                                       " JOIN imports i ON i.id = c.import_id WHERE c.entity_id = ?"
                                       " AND coalesce(c.as_of, substr(i.started, 1, 10)) > substr(?, 1, 10) ORDER BY c.id",
                              (row["entity_id"], row["starred_at"])) if row["entity_id"] else []
    return out
