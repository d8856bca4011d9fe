"""The user's own data: stars, tags and notes, keyed by stable entity keys and never touched by imports.

An entity may be a group of records resolved across lists (:mod:`store.resolve`). A star or a note on
any record of the group counts for the group, so merges and splits never hide what the user wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from .changes import changes
from .db import IN_JSON, as_json, now, rows, transaction, user
from .errors import StoreError
from .models import Note, of_row
from .normalize import analyze
from .queries import joined_notes
from .resolve import group_of, members


def group_keys(db: sqlite_utils.Database, key: str) -> list[str]:
    """The keys of every record in the group of the entity with this key (``[key]`` if it is not in the store)."""

    row = db.conn.execute("SELECT id FROM entities WHERE key = ?", (key,)).fetchone()
    if row is None:
        return [key]
    ids = members(db.conn, group_of(db.conn, row[0]))
    found = dict(db.conn.execute(f"SELECT id, key FROM entities WHERE id {IN_JSON}", (as_json(ids),)))
    return [key] + [found[i] for i in ids if found.get(i) and found[i] != key]


def is_starred(db: sqlite_utils.Database, key: str) -> bool:
    """True if the entity (any record of its group) is on the watchlist."""
    keys = as_json(group_keys(db, key))
    return db.conn.execute(f"SELECT 1 FROM user_watchlist WHERE entity_key {IN_JSON}", (keys,)).fetchone() is not None


def star(db: sqlite_utils.Database, key: str, tags: str = "") -> None:
    """Put an entity on the watchlist (keeps the first star time)."""
    with transaction(db.conn) as conn:
        conn.execute(
            "INSERT INTO user_watchlist (entity_key, starred_at, tags) VALUES (?,?,?) ON CONFLICT(entity_key) DO UPDATE SET tags = excluded.tags",
            (key, now(), tags),
        )


def unstar(db: sqlite_utils.Database, key: str) -> None:
    """Take an entity (every record of its group) off the watchlist (its note stays)."""
    with transaction(db.conn) as conn:
        conn.execute(f"DELETE FROM user_watchlist WHERE entity_key {IN_JSON}", (as_json(group_keys(db, key)),))


def toggle_star(db: sqlite_utils.Database, key: str) -> bool:
    """Star or unstar, in one transaction; return the new state."""
    with transaction(db.conn):
        if is_starred(db, key):
            unstar(db, key)
            return False
        star(db, key)
        return True


@dataclass(frozen=True)
class NoteSaved:
    """What saving a note did: ``conflict`` when the note had changed since it was opened (both texts are kept)."""

    text: str
    conflict: bool = False


CONFLICT_MARK = "──── also saved meanwhile ({at}); both kept ────"


def both_kept(first: str, second: str, at: str) -> str:
    """Two versions of a note as one text: ``first``, then ``second`` under a mark saying when it was saved."""
    return (first.rstrip() + "\n\n" if first.strip() else "") + CONFLICT_MARK.format(at=at) + "\n" + second


def set_note(db: sqlite_utils.Database, key: str, note: str, base: str | None = None) -> NoteSaved:
    """Save (or, when empty, remove) the note on one record; every version is kept in ``user_note_history``.

    ``base`` is the note as it was when the editor opened it. If the note changed since (another window or
    process saved one), nothing is overwritten: the saved note holds the new text, then the other one, and
    ``conflict`` says so. Notes on the other records of the entity's group are never touched.
    """
    with transaction(db.conn) as conn:
        row = conn.execute("SELECT note, updated_at FROM user_notes WHERE entity_key = ?", (key,)).fetchone()
        current, at = (row[0], row[1]) if row else ("", "")
        conflict = base is not None and current != base and current.strip() not in ("", note.strip())
        if conflict:
            note = both_kept(note, current, at)
        if note.strip():
            conn.execute(
                "INSERT INTO user_notes (entity_key, note, updated_at) VALUES (?,?,?) ON CONFLICT(entity_key)"
                " DO UPDATE SET note = excluded.note, updated_at = excluded.updated_at",
                (key, note, now()),
            )
        else:
            conn.execute("DELETE FROM user_notes WHERE entity_key = ?", (key,))
        if note != current:
            conn.execute(
                "INSERT INTO user_note_history (entity_key, note, saved_at, user) VALUES (?,?,?,?)", (key, note if note.strip() else "", now(), user())
            )
    return NoteSaved(note, conflict)


def own_note(db: sqlite_utils.Database, key: str) -> str:
    """The note on this one record ("" if none): what the note editor edits."""
    row = db.conn.execute("SELECT note FROM user_notes WHERE entity_key = ?", (key,)).fetchone()
    return row[0] if row else ""


def notes_of(db: sqlite_utils.Database, key: str) -> list[Note]:
    """The notes on every record of the entity's group, this key's first."""
    keys = group_keys(db, key)
    found = rows(
        db.conn,
        f"SELECT entity_key AS key, note, updated_at FROM user_notes WHERE entity_key {IN_JSON} ORDER BY entity_key != ?, entity_key",
        (as_json(keys), key),
    )
    return [of_row(Note, n) for n in found]


def note_of(db: sqlite_utils.Database, key: str) -> str:
    """The note on an entity as one text: every record's note, each after its record key when there are several."""
    return joined_notes(notes_of(db, key))


def note_history(db: sqlite_utils.Database, key: str) -> list[dict[str, str]]:
    """Every saved version of a record's note, oldest first."""
    return rows(db.conn, "SELECT note, saved_at, user FROM user_note_history WHERE entity_key = ? ORDER BY id", (key,))


def watchlist(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Starred entities, newest star first, with tags, note, listings and what changed since the star.

    A change counts as "since starred" when the list snapshot it came from is dated after the star
    (so rebuilding the seed does not make old news look new). Stars on several records of one resolved
    entity show as one row. Stars whose entity is gone from the store are kept and shown with
    ``entity_id`` None.
    """

    conn = db.conn
    stars = rows(
        conn,
        "SELECT w.entity_key AS key, w.starred_at, w.tags, e.id AS record_id FROM user_watchlist w"
        " LEFT JOIN entities e ON e.key = w.entity_key ORDER BY w.starred_at DESC, w.rowid DESC",
    )
    out: list[dict[str, Any]] = []
    by_group: dict[int, dict[str, Any]] = {}
    for star in stars:
        gid = group_of(conn, star["record_id"]) if star["record_id"] else None
        if gid is not None and gid in by_group:
            row = by_group[gid]
            row["starred_at"] = min(row["starred_at"], star["starred_at"])
            row["tags"] = " ".join(dict.fromkeys((row["tags"] + " " + star["tags"]).split()))
            continue
        row = {
            "key": star["key"],
            "starred_at": star["starred_at"],
            "tags": star["tags"],
            "entity_id": gid,
            "name": None,
            "countries": None,
            "lists": [],
            "changes": [],
        }
        out.append(row)
        if gid is not None:
            by_group[gid] = row
    for gid, row in by_group.items():
        ids = members(conn, gid)
        name, countries = conn.execute("SELECT name, countries FROM entities WHERE id = ?", (gid,)).fetchone()
        row["name"], row["countries"] = name, countries
        row["lists"] = sorted(
            {code for (code,) in conn.execute(f"SELECT list FROM listings WHERE status = 'active' AND entity_id IN ({','.join('?' * len(ids))})", ids)}
        )
        row["changes"] = [c for c in reversed(changes(db, entity_ids=ids, baseline=True)) if (c.as_of or "") > row["starred_at"][:10]]
    for row in out:
        row["note"] = note_of(db, row["key"]) or None
    return out


MAX_ALIAS = 300  # characters of a name the user gives an entity


@dataclass(frozen=True)
class UserAlias:
    """A name the user gave an entity (on one record's key; it counts for the record's whole group)."""

    key: str
    name: str
    added_at: str
    user: str


def clean_alias(name: str) -> str:
    """The alias as stored: one line, spaces collapsed; :class:`StoreError` when it is empty, too long or has no
    letters or digits to match on."""
    text = " ".join("".join(c if c.isprintable() else " " for c in name).split())
    if not text:
        raise StoreError("an alias needs a name")
    if len(text) > MAX_ALIAS:
        raise StoreError(f"an alias is at most {MAX_ALIAS} characters (this one has {len(text)})")
    if not analyze(text).latn:
        raise StoreError(f"{text!r}: has no letters or digits to match on")
    return text


def add_alias(db: sqlite_utils.Database, key: str, name: str) -> UserAlias | None:
    """Give the entity with this key another name; None when it already has it (from you)."""
    alias = UserAlias(key, clean_alias(name), now(), user())
    with transaction(db.conn) as conn:
        cur = conn.execute(
            "INSERT OR IGNORE INTO user_aliases (entity_key, name, added_at, user) VALUES (?,?,?,?)",
            (alias.key, alias.name, alias.added_at, alias.user),
        )
    return alias if cur.rowcount else None


def remove_alias(db: sqlite_utils.Database, key: str, name: str) -> int:
    """Take back a name you gave (on any record of the entity's group); how many were removed."""
    text = " ".join(name.split())
    with transaction(db.conn) as conn:
        cur = conn.execute(f"DELETE FROM user_aliases WHERE entity_key {IN_JSON} AND name = ?", (as_json(group_keys(db, key)), text))
        return cur.rowcount


def aliases_of(db: sqlite_utils.Database, key: str | None = None) -> list[UserAlias]:
    """The names you gave: the entity's group's (with a key), else all of them, oldest first."""
    if key is None:
        found = db.conn.execute("SELECT entity_key, name, added_at, user FROM user_aliases ORDER BY id")
    else:
        found = db.conn.execute(
            f"SELECT entity_key, name, added_at, user FROM user_aliases WHERE entity_key {IN_JSON} ORDER BY id",
            (as_json(group_keys(db, key)),),
        )
    return [UserAlias(*r) for r in found]
