"""The search index saved beside the store: loaded when it is the store's, rebuilt when anything it was built from
changed, and never trusted when damaged or foreign."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from watchlist.store import connect, importers, index_file, userdata
from watchlist.store.index_file import SUFFIX, fingerprint, open_index
from watchlist.store.search import _NAMED_TERRITORY, PLACES_F, SearchIndex

from .conftest import write
from .test_cli import run

QUERIES = ["sinno electronics ", "hikvision ", "保利 ", "ПАО Сбербанк ", "world jeta ", "country:HK sinno ", "list:EL shenzhen ", "poly tech"]


def _answers(index: SearchIndex) -> list:
    out = []
    for q in QUERIES:
        result = index.search(q, limit=10)
        out.append(([(h.entity_id, h.matched_name, h.matched_kind, round(h.score, 3), h.lists, h.countries) for h in result.hits], result.facets))
    return out


def _fresh(path: Path) -> sqlite3.Connection:
    Path(str(path) + SUFFIX).unlink(missing_ok=True)
    return sqlite3.connect(path)


def test_the_saved_index_answers_as_the_built_one(seed_db_copy: Path):
    conn = _fresh(seed_db_copy)
    built = open_index(conn)  # no saved index: built (SearchIndex.build) and saved
    saved = Path(str(seed_db_copy) + SUFFIX)
    assert saved.exists() and saved.stat().st_size > 1_000_000
    loaded = index_file.load(saved, fingerprint(conn), conn)
    assert loaded is not None
    assert _answers(loaded) == _answers(built)
    assert len(loaded) == len(built) and loaded.vocab == built.vocab and loaded.listed == built.listed


def test_word_counts_and_named_territories_are_the_names_own_built_and_loaded(seed_db_copy: Path):
    """A word's count (its rarity, kept by vocabulary position) and the territories an entity's names say it is in (kept
    by entity number) are what the indexed names say, for every word and entity, built and read back."""
    conn = _fresh(seed_db_copy)
    built = open_index(conn)
    loaded = index_file.load(Path(str(seed_db_copy) + SUFFIX), fingerprint(conn), conn)
    assert loaded is not None
    counts: Counter[str] = Counter()
    named: dict[int, set[str]] = defaultdict(set)
    for nid in range(len(built)):
        words = set(built.latn(nid).split())
        counts.update(words)
        named[built.name_entity[nid]].update(_NAMED_TERRITORY[w] for w in words & PLACES_F if w in _NAMED_TERRITORY)
    assert counts["ltd"] > 100 and "ltd" not in built.vocab  # a legal form: counted, never a token of a core
    assert sum(1 for codes in named.values() if "HK" in codes) > 10
    for index in (built, loaded):
        assert all(index.count(word) == n for word, n in counts.items())
        assert all(index.count(token) == counts.get(token, 0) for token in index.vocab)  # joined cores: in no name as a word
        assert index.count("qortexa") == 0 and not index.says("qortexa") and index.says("sinno")
        assert all(index.named_in(eid) == frozenset(named.get(eid, ())) for eid in range(len(index.kind) + 1))


def test_an_import_an_alias_or_new_code_makes_it_stale(seed_db_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    db = connect(seed_db_copy)
    open_index(db.conn)
    stamp = fingerprint(db.conn)
    userdata.add_alias(db, "ofac:38641", "Xin Nuo Dian Zi")
    assert fingerprint(db.conn) != stamp
    hit = open_index(db.conn).search("Xin Nuo Dian Zi", limit=1).hits[0]
    assert hit.matched_name == "Xin Nuo Dian Zi"
    userdata.star(db, "ofac:38641")  # the watchlist is read at load: a star does not make the index stale
    stamp = fingerprint(db.conn)
    assert open_index(db.conn).search("Xin Nuo Dian Zi on:watchlist", limit=1).hits
    csl = write(
        tmp_path / "extra.csv",
        "source,name,addresses,federal_register_notice,start_date\n"
        'Entity List (EL) - Bureau of Industry and Security,Qortexa Micro Trading Ltd (a test row),"Kowloon, HK",89 FR 1,2026-11-30\n',
    )
    importers.import_file(db, csl, snapshot=False)
    assert fingerprint(db.conn) != stamp
    assert open_index(db.conn).search("Qortexa Micro", limit=1).hits[0].name == "Qortexa Micro Trading Ltd (a test row)"
    stamp = fingerprint(db.conn)
    monkeypatch.setattr(index_file, "_code_digest", lambda: "another version of the code")
    assert fingerprint(db.conn) != stamp
    db.conn.close()


def test_a_start_takes_the_saved_index_at_once_and_its_counts_catch_another_programs_deletes(seed_db_copy: Path):
    """The explorer's start loads the saved index on the quick stamp (watchlist's own writes) and checks the counts after
    its first results: a row another program deleted (no import, no generation bumped) makes it stale, and a full open
    rebuilds it without the row; untouched, the quick load is confirmed."""
    conn = _fresh(seed_db_copy)
    built = open_index(conn)
    quick = open_index(conn, check_later=True)
    assert index_file.confirmed(conn, quick) and _answers(quick) == _answers(built)
    outside = sqlite3.connect(seed_db_copy)  # another program: the sqlite3 shell, a script, Datasette with writes on
    outside.execute("DELETE FROM names WHERE id IN (SELECT id FROM names WHERE kind != 'primary' LIMIT 5)")  # not the newest
    outside.commit()
    outside.close()
    stale = open_index(conn, check_later=True)
    assert stale.stamp == quick.stamp and not index_file.confirmed(conn, stale)
    rebuilt = open_index(conn)
    assert index_file.confirmed(conn, rebuilt) and len(rebuilt) < len(stale)
    assert open_index(conn, check_later=True).stamp == rebuilt.stamp  # saved again, with its quick stamp
    conn.close()


def test_a_start_answers_from_the_index_another_version_saved_until_it_has_its_own(seed_db_copy: Path, monkeypatch: pytest.MonkeyPatch):
    """After an upgrade (other code: another code digest) the explorer's start takes the index the version before saved
    from the store as it is, not confirmed, so it is rebuilt meanwhile; a command never answers from it; and an index
    another version saved from other data is never taken."""
    conn = _fresh(seed_db_copy)
    before = open_index(conn)
    assert index_file.same_code(before)
    monkeypatch.setattr(index_file, "_code_digest", lambda: "the next version of the code")
    started = open_index(conn, check_later=True)
    assert not index_file.same_code(started) and not index_file.confirmed(conn, started)
    assert started.stamp == before.stamp and _answers(started) == _answers(before)
    command = open_index(conn)  # the CLI: built by this version, and saved
    assert index_file.same_code(command) and index_file.confirmed(conn, command)
    assert open_index(conn, check_later=True).stamp == command.stamp  # the next start takes this version's own
    conn.close()
    db = connect(seed_db_copy)
    userdata.add_alias(db, "ofac:38641", "Xin Nuo Dian Zi")  # the data changes, and then the code again
    monkeypatch.setattr(index_file, "_code_digest", lambda: "a third version of the code")
    third = open_index(db.conn, check_later=True)
    assert index_file.same_code(third) and index_file.confirmed(db.conn, third)  # built: the saved one is of other data
    assert third.search("Xin Nuo Dian Zi", limit=1).hits[0].matched_name == "Xin Nuo Dian Zi"
    db.conn.close()


DAMAGE = [
    lambda raw: b"",
    lambda raw: b"\x00" * 4096,
    lambda raw: raw[: len(raw) // 2],  # cut short
    lambda raw: raw[:-100],  # its last table cut
    lambda raw: raw.replace(b'"sections"', b'"sectionz"', 1),
    lambda raw: raw[:200] + b"\xff\xfe" + raw[202:],
]


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_index_file_is_not_trusted(seed_db_path: Path, tmp_path: Path, damage):
    saved = Path(str(seed_db_path) + SUFFIX)  # the seed's, saved when it was built
    conn = sqlite3.connect(f"file:{seed_db_path}?mode=ro", uri=True)
    assert index_file.load(saved, fingerprint(conn), conn) is not None
    damaged = tmp_path / "damaged.search-index"
    damaged.write_bytes(damage(saved.read_bytes()))
    assert index_file.load(damaged, fingerprint(conn), conn) is None
    conn.close()


def test_a_damaged_index_file_is_rebuilt_and_saved_whole(seed_db_copy: Path):
    conn = sqlite3.connect(seed_db_copy)
    saved = Path(str(seed_db_copy) + SUFFIX)
    expected = _answers(open_index(conn))
    saved.write_bytes(DAMAGE[2](saved.read_bytes()))
    assert _answers(open_index(conn)) == expected
    assert index_file.load(saved, fingerprint(conn), conn) is not None  # written again, whole


def test_an_index_that_cannot_be_written_lives_in_memory(seed_db_copy: Path):
    conn = _fresh(seed_db_copy)
    Path(str(seed_db_copy) + SUFFIX).mkdir()  # something else is in its place
    assert open_index(conn).search("sinno electronics", limit=1).hits
    assert not list(seed_db_copy.parent.glob(f".{seed_db_copy.name}{SUFFIX}.*"))  # no temporary file left behind


def test_the_cli_saves_it_and_the_next_command_loads_it(seed_db_copy: Path):
    Path(str(seed_db_copy) + SUFFIX).unlink(missing_ok=True)
    code, out, _ = run("search", "sinno electronics", "--json", db=seed_db_copy)
    assert code == 0 and Path(str(seed_db_copy) + SUFFIX).exists()
    code, again, _ = run("search", "sinno electronics", "--json", db=seed_db_copy)
    first, second = json.loads(out), json.loads(again)
    assert first["results"] == second["results"] and first["facets"] == second["facets"]
