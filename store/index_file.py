"""The search index saved beside the store (``<store>.search-index``), so that opening the store does not rebuild it.

The file holds the index's arrays as raw bytes and its small tables as JSON (never pickle: a file beside a store
may come from someone else, and reading it must not run code). Its header carries a fingerprint of what the index
was built from: the code that builds it, the store's schema and data generation, its last import, its names,
groups and the names the user gave. An index whose fingerprint is not the store's is never used: it is rebuilt
and saved again. A file that cannot be read is rebuilt; a folder that cannot be written keeps the index in memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from array import array
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO

from .db import gc_paused
from .search import SearchIndex, _Listed, _pack, _unpack
from .typos import TypoIndex

MAGIC = b"watchlist-search-index 5\n"
SUFFIX = ".search-index"
_ARRAYS = ("name_row", "name_entity", "_latn_at", "_core_at", "_post", "_post_at", "recent")
_TEXTS = ("_latn", "_core")
_CODE = ("search.py", "normalize.py", "typos.py", "index_file.py")  # the index changes when these do


@lru_cache(maxsize=1)
def _code_digest() -> str:
    digest = hashlib.sha256()
    for name in _CODE:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()


def _file(conn: sqlite3.Connection) -> str:
    """The store's file ("" for a store in memory)."""
    return next((file for _, name, file in conn.execute("PRAGMA database_list") if name == "main"), "") or ""


def index_path(conn: sqlite3.Connection) -> Path | None:
    """Where the index of the store behind ``conn`` is saved (None for a store without a file)."""
    path = _file(conn)
    return Path(path + SUFFIX) if path else None


# What every write of watchlist's own changes (the data generation, the import log, the newest row of each table): read
# from indexes in a millisecond. The counts below also catch rows deleted by another program; they read whole
# indexes (0.5 s at 1M entities), so the explorer checks them after its first results (see ``open_index``).
_QUICK = (
    "SELECT value FROM store_state WHERE key = 'data'",  # not 'user': stars are read at load, notes are not indexed
    "SELECT id, started, finished, status FROM imports ORDER BY id DESC LIMIT 1",
    "SELECT max(id) FROM names",
    "SELECT max(id) FROM entities",
    "SELECT max(id), max(added_at) FROM user_aliases",
    "SELECT max(id) FROM listings",
)
_COUNTS = (
    "SELECT count(*) FROM names",
    "SELECT count(*) FROM entities",
    "SELECT count(*), total(group_id), total(entity_id) FROM resolution",
    "SELECT count(*) FROM user_aliases",
    "SELECT count(*) FROM listings",
)


def quick_stamps(conn: sqlite3.Connection) -> tuple[str, str]:
    """What an index of this store depends on as watchlist's own writes change it (a few indexed reads), as two
    digests of one read: with the code that builds indexes (the quick stamp), and without it (the data stamp: an index
    another version of watchlist saved from the store as it is now has it; the explorer answers from that one while it
    builds its own, see ``open_index``)."""
    read = _read(conn, _QUICK)
    return _digest(_code_digest(), read), _digest("", read)


def fingerprint(conn: sqlite3.Connection) -> str:
    """What an index of this store depends on, as one digest: the quick stamp's reads and the tables' counts."""
    return _digest(_code_digest(), _read(conn, _QUICK + _COUNTS))


def same_code(index: SearchIndex) -> bool:
    """True when ``index`` was made by this version's code (an index another version saved may be loaded meanwhile)."""
    return index.code == _code_digest()


def _read(conn: sqlite3.Connection, queries: tuple[str, ...]) -> list[Any]:
    return [conn.execute("PRAGMA user_version").fetchone()[0], *(conn.execute(sql).fetchall() for sql in queries)]


def _digest(code: str, read: list[Any]) -> str:
    return hashlib.sha256(json.dumps([code, *read], default=str).encode()).hexdigest()


def is_current(conn: sqlite3.Connection) -> bool:
    """True when the index saved beside the store was built from it as it is now (read from the file's header only)."""
    path = index_path(conn)
    if path is None:
        return False
    try:
        with path.open("rb") as fh:
            header = _header(fh)
    except (OSError, ValueError):
        return False
    return header is not None and header.get("fingerprint") == fingerprint(conn)


def _header(fh: BinaryIO) -> dict[str, Any] | None:
    """The header of an index file of this make (None for another make, or not an index file)."""
    if fh.read(len(MAGIC)) != MAGIC:
        return None
    header = json.loads(fh.readline())
    return header if isinstance(header, dict) else None


def open_index(conn: sqlite3.Connection, *, check_later: bool = False) -> SearchIndex:
    """The store's search index: the saved one when it is the store's, else built now (and saved when it can be).

    ``check_later``: the saved one is taken when its quick stamp matches (:func:`quick_stamps`), and the caller confirms
    it after showing results (:func:`confirmed`; the explorer's start, 0.5 s sooner at 1M entities), rebuilding it if
    another program deleted rows meanwhile. It is taken too when another version of watchlist saved it from the store as
    it is now (its data stamp; :func:`confirmed` is then False): after an upgrade the explorer answers from it while it
    builds its own (at 1M entities a build is about a minute), rather than showing nothing until then.
    """
    path = index_path(conn)
    quick, data = quick_stamps(conn)
    stamp = None if check_later else fingerprint(conn)
    if path is not None:
        index = load(path, stamp, conn, quick=quick, data_only=data if check_later else "")
        if index is not None:
            return index
    stamp = stamp or fingerprint(conn)
    index = SearchIndex.build(conn)
    index.stamp, index.code = stamp, _code_digest()
    if path is not None and fingerprint(conn) == stamp:  # nothing was written while it was built
        save(index, path, stamp, quick, data)
    return index


def confirmed(conn: sqlite3.Connection, index: SearchIndex) -> bool:
    """True when ``index`` was made from the store as it is now, counts included (see ``open_index``'s check_later)."""
    return index.stamp == fingerprint(conn)


def save(index: SearchIndex, path: Path, stamp: str, quick: str = "", data_only: str = "") -> bool:
    """Write ``index`` to ``path`` whole or not at all (a temporary file renamed into place); False if it cannot be.
    Its header holds the store's stamps (``fingerprint``, and :func:`quick_stamps`' two: ``quick``, ``data_only``) and
    the code's digest."""
    blobs: list[bytes] = []
    sections: list[list[Any]] = []
    # the long tables as packed text and arrays, which read back many times quicker than JSON
    # the words, one per line (a folded word has no whitespace: names are split on it): str.split reads them back at
    # twice the speed of slicing by offsets (1.1M words at 1M entities: 0.17 s instead of 0.3 s)
    vocab_text, df_text = "\n".join(index.vocab), "\n".join(index.df_other)
    if len(_lines(vocab_text)) != len(index.vocab) or len(_lines(df_text)) != len(index.df_other):
        return False  # a word with a line break would not read back: kept in memory only (never seen)
    sets: dict[tuple[str, ...], int] = {}
    kinds: dict[str | None, int] = {None: 0}
    listed = list(index.listed.items())
    latest_text, latest_at = _pack([x.latest for _, x in listed])
    places = sorted(index.place_names.items())
    parts: dict[str, array | str] = {name: getattr(index, name) for name in (*_ARRAYS, *_TEXTS)} | {
        "vocab_text": vocab_text,
        "df_vocab": index.df_vocab,
        "df_text": df_text,
        "df_count": array("I", index.df_other.values()),
        "countries_of": array("I", (sets.setdefault(c, len(sets)) for c in index.countries)),
        "kind_of": array("I", (kinds.setdefault(k, len(kinds)) for k in index.kind)),
        "group_of": array("i", index.group.keys()),
        "group_to": array("i", index.group.values()),
        "listed_id": array("i", (eid for eid, _ in listed)),
        "listed_lists": array("I", (sets.setdefault(x.lists, len(sets)) for _, x in listed)),
        "listed_removed": array("I", (sets.setdefault(x.removed, len(sets)) for _, x in listed)),
        "listed_latest_text": latest_text,
        "listed_latest_at": latest_at,
        "named_code": index.named_code,
        "place_nids": array("i", chain.from_iterable(nids for _, nids in places)),
    }
    for name, data in parts.items():
        if isinstance(data, str):
            text = data.encode("utf-8")
            sections.append([name, "text", len(text)])
            blobs.append(text)
        else:
            sections.append([name, data.typecode, len(data)])
            blobs.append(data.tobytes())
    tables = {
        "kinds": list(kinds)[1:],
        "sets": [",".join(c) for c in sets],  # the country sets and the list sets the arrays above number
        "chapters": [[eid, sorted(c)] for eid, c in index.chapters.items()],
        "tiers": [[eid, list(t)] for eid, t in index.tiers.items()],
        "facets": index._all_facets,
        "places": [[place, len(nids)] for place, nids in places],  # each place's share of place_nids, in order
        "named_sets": [sorted(c) for c in index.named_sets],  # the sets of territories named_code numbers
    }
    header = {"fingerprint": stamp, "quick": quick, "data": data_only, "code": _code_digest(), "sections": sections}
    header_blob = json.dumps(header).encode() + b"\n"
    tables_blob = json.dumps(tables, separators=(",", ":")).encode()
    try:
        handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(MAGIC)
                out.write(header_blob)
                for blob in blobs:
                    out.write(blob)
                out.write(tables_blob)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return False  # a read-only folder or a full disk: the index lives in memory only
    return True


def _lines(text: str) -> list[str]:
    return text.split("\n") if text else []


def load(path: Path, stamp: str | None, conn: sqlite3.Connection, quick: str = "", data_only: str = "") -> SearchIndex | None:
    """The index saved at ``path`` if it was built from the store as it is now (its ``stamp``; or, when that is None,
    its ``quick`` stamp, or its data stamp (``data_only``) whatever code made it: :func:`quick_stamps`, :func:`open_index`);
    None otherwise."""
    with gc_paused():
        return _load(path, stamp, conn, quick, data_only)


def _load(path: Path, stamp: str | None, conn: sqlite3.Connection, quick: str, data_only: str) -> SearchIndex | None:
    # Read section by section into its array or text: never the whole file in memory beside what it becomes.
    try:
        with path.open("rb") as fh:
            header = _header(fh)
            if header is None:
                return None
            if stamp is not None:
                if header.get("fingerprint") != stamp:
                    return None
            elif not (quick and header.get("quick") == quick) and not (data_only and header.get("data") == data_only):
                return None
            parts: dict[str, Any] = {}
            for name, kind, length in header["sections"]:
                if kind == "text":
                    text = fh.read(length)
                    if len(text) != length:
                        return None
                    parts[name] = text.decode("utf-8")
                    continue
                data = array(kind)
                data.fromfile(fh, length)  # EOFError if the file is short
                parts[name] = data
            tables = json.loads(fh.read())
    except (OSError, EOFError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None  # unreadable, damaged or of another make: rebuilt
    try:
        file = _file(conn)
        index = SearchIndex(file or None, None if file else conn)
        index.stamp, index.code = header["fingerprint"], header.get("code", "")
        for name in (*_ARRAYS, *_TEXTS):
            setattr(index, name, parts[name])
        index.vocab = _lines(parts["vocab_text"])
        index.df_vocab = parts["df_vocab"]
        index.df_other = dict(zip(_lines(parts["df_text"]), parts["df_count"], strict=True))
        index.group = dict(zip(parts["group_of"], parts["group_to"], strict=True))
        index.grouped = set(index.group.values())
        kinds = [None, *tables["kinds"]]
        index.kind = [kinds[i] for i in parts["kind_of"]]
        sets = [tuple(c.split(",")) if c else () for c in tables["sets"]]
        index.countries = [sets[i] for i in parts["countries_of"]]
        latest = _unpack(parts["listed_latest_text"], parts["listed_latest_at"])
        index.listed = {
            eid: _Listed(sets[a], sets[b], day)
            for eid, a, b, day in zip(parts["listed_id"], parts["listed_lists"], parts["listed_removed"], latest, strict=True)
        }
        index.chapters = {eid: frozenset(c) for eid, c in tables["chapters"]}
        index.tiers = {eid: tuple(t) for eid, t in tables["tiers"]}
        index._all_facets = tables["facets"]
        nids, at = parts["place_nids"], 0
        for place, count in tables["places"]:
            index.place_names[place] = nids[at : at + count]
            at += count
        index.named_code = parts["named_code"]
        index.named_sets = [frozenset(c) for c in tables["named_sets"]]
    except (ValueError, KeyError, TypeError, IndexError):
        return None  # of another make: rebuilt
    if len(index.name_row) != len(index.name_entity) or len(index._post_at) != len(index.vocab) + 1 or len(index.df_vocab) != len(index.vocab):
        return None
    index._typos = TypoIndex(index.vocab)
    index.refresh_watchlist(conn)
    return index
