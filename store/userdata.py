"""The user's own data: stars, tags and notes, keyed by stable entity keys and never touched by imports."""

from __future__ import annotations

import time

import sqlite_utils


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
