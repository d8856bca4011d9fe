"""The user's own data: stars, tags and notes, keyed by stable entity keys and never touched by imports.

An entity may be a group of records resolved across lists (:mod:`store.resolve`). A star or a note on
any record of the group counts for the group, so merges and splits never hide what the user wrote.
"""

from __future__ import annotations

import time
from typing import Any

import sqlite_utils

from .queries import rows


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


def group_keys(db: sqlite_utils.Database, key: str) -> list[str]:
    """The keys of every record in the group of the entity with this key (``[key]`` if it is not in the store)."""
    from .resolve import group_of, members

    row = db.conn.execute("SELECT id FROM entities WHERE key = ?", (key,)).fetchone()
    if row is None:
        return [key]
    ids = members(db.conn, group_of(db.conn, row[0]))
    found = dict(db.conn.execute(f"SELECT id, key FROM entities WHERE id IN ({','.join('?' * len(ids))})", ids))
    return [key] + [found[i] for i in ids if found.get(i) and found[i] != key]


def _in(keys: list[str]) -> str:
    return f"IN ({','.join('?' * len(keys))})"


def is_starred(db: sqlite_utils.Database, key: str) -> bool:
    """True if the entity (any record of its group) is on the watchlist."""
    keys = group_keys(db, key)
    return db.conn.execute(f"SELECT 1 FROM user_watchlist WHERE entity_key {_in(keys)}", keys).fetchone() is not None


def star(db: sqlite_utils.Database, key: str, tags: str = "") -> None:
    """Put an entity on the watchlist (keeps the first star time)."""
    db.conn.execute("INSERT INTO user_watchlist (entity_key, starred_at, tags) VALUES (?,?,?)"
                    " ON CONFLICT(entity_key) DO UPDATE SET tags = excluded.tags", (key, _now(), tags))


def unstar(db: sqlite_utils.Database, key: str) -> None:
    """Take an entity (every record of its group) off the watchlist (its note stays)."""
    keys = group_keys(db, key)
    db.conn.execute(f"DELETE FROM user_watchlist WHERE entity_key {_in(keys)}", keys)


def toggle_star(db: sqlite_utils.Database, key: str) -> bool:
    """Star or unstar; return the new state."""
    if is_starred(db, key):
        unstar(db, key)
        return False
    star(db, key)
    return True


def set_note(db: sqlite_utils.Database, key: str, note: str) -> None:
    """Save (or, when empty, delete) the note on an entity.

    The note edited is :func:`note_of` (the notes of every record of the group, joined), so it
    replaces them all and is kept under ``key``, in one transaction.
    """
    keys = group_keys(db, key)
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(f"DELETE FROM user_notes WHERE entity_key {_in(keys[1:] or [''])}", keys[1:] or [""])
        if note.strip():
            conn.execute("INSERT INTO user_notes (entity_key, note, updated_at) VALUES (?,?,?) ON CONFLICT(entity_key)"
                         " DO UPDATE SET note = excluded.note, updated_at = excluded.updated_at", (key, note, _now()))
        else:
            conn.execute("DELETE FROM user_notes WHERE entity_key = ?", (key,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def note_of(db: sqlite_utils.Database, key: str) -> str:
    """The note on an entity: the notes on every record of its group, this key's first ("" if none)."""
    keys = group_keys(db, key)
    notes = [n for (n,) in db.conn.execute(f"SELECT note FROM user_notes WHERE entity_key {_in(keys)} ORDER BY entity_key != ?",
                                           (*keys, key))]
    return "\n\n".join(notes)


def watchlist(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Starred entities, newest star first, with tags, note, listings and what changed since the star.

    A change counts as "since starred" when the list snapshot it came from is dated after the star
    (so rebuilding the seed does not make old news look new). Stars on several records of one resolved
    entity show as one row. Stars whose entity is gone from the store are kept and shown with
    ``entity_id`` None.
    """
    from .changes import changes
    from .resolve import group_of, members

    conn = db.conn
    stars = rows(conn, "SELECT w.entity_key AS key, w.starred_at, w.tags, e.id AS record_id FROM user_watchlist w"
                       " LEFT JOIN entities e ON e.key = w.entity_key ORDER BY w.starred_at DESC, w.rowid DESC")
    out: list[dict[str, Any]] = []
    by_group: dict[int, dict[str, Any]] = {}
    for star in stars:
        gid = group_of(conn, star["record_id"]) if star["record_id"] else None
        if gid is not None and gid in by_group:
            row = by_group[gid]
            row["starred_at"] = min(row["starred_at"], star["starred_at"])
            row["tags"] = " ".join(dict.fromkeys((row["tags"] + " " + star["tags"]).split()))
            continue
        row = {"key": star["key"], "starred_at": star["starred_at"], "tags": star["tags"], "entity_id": gid,
               "name": None, "countries": None, "lists": [], "changes": []}
        out.append(row)
        if gid is not None:
            by_group[gid] = row
    for gid, row in by_group.items():
        ids = members(conn, gid)
        name, countries = conn.execute("SELECT name, countries FROM entities WHERE id = ?", (gid,)).fetchone()
        row["name"], row["countries"] = name, countries
        row["lists"] = sorted({code for (code,) in conn.execute(
            f"SELECT list FROM listings WHERE status = 'active' AND entity_id IN ({','.join('?' * len(ids))})", ids)})
        row["changes"] = [c for c in reversed(changes(db, entity_ids=ids, baseline=True))
                          if (c["as_of"] or "") > row["starred_at"][:10]]
    for row in out:
        row["note"] = note_of(db, row["key"]) or None
    return out
