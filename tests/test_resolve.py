"""Entity resolution across lists, measured on pairs labelled from the real seed data."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from watchlist.store import connect, queries, resolve, userdata
from watchlist.store.index_file import open_index
from watchlist.store.resolve import identity_name
from watchlist.tui.cli import main

PAIRS = Path(__file__).parent / "data" / "resolution_pairs.csv"


def test_automatic_merges_are_precise_and_find_most_pairs(seed_db, capsys):
    """Precision and recall of automatic merges on labelled record pairs (tests/data/README.md says how they were chosen)."""
    ids = dict(seed_db.conn.execute("SELECT key, id FROM entities"))
    tp = fp = fn = tn = 0
    missed: list[str] = []
    for row in csv.DictReader(PAIRS.open(encoding="utf-8")):
        a, b = ids[row["key_a"]], ids[row["key_b"]]
        merged = resolve.group_of(seed_db.conn, a) == resolve.group_of(seed_db.conn, b)
        same = row["same"] == "1"
        tp += merged and same
        fp += merged and not same
        fn += same and not merged
        tn += not (same or merged)
        if merged and not same:
            missed.append(f"wrongly merged: {row['key_a']} + {row['key_b']}")
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    with capsys.disabled():
        print(
            f"\nresolution on {tp + fp + fn + tn} labelled pairs: precision {precision:.3f}, recall {recall:.3f} "
            f"(merged right {tp}, wrongly {fp}; missed {fn}; kept apart right {tn})"
        )
    assert precision >= 0.99, missed
    assert recall >= 0.9


@pytest.mark.parametrize(
    ("name", "forms"),
    [
        ("Sinno Electronics Co., Ltd.,", {"elek sinno"}),
        ("SINNO ELECTRONICS CO., LIMITED", {"elek sinno"}),
        ("Poly Technologies Incorporated (PTI), and its sub-units and successors", {"poli tech"}),
        ("Duling Technology (HK) Limited", {"duling hk tech", "duling tech"}),
        ("LIMITED LIABILITY COMPANY VOLGOGRADPROMPROEKT", {"volgogradpromproekt"}),
        ("LLC Volgogradpromproyekt", {"volgogradpromproekt"}),
        ("JOINT STOCK COMPANY ENIKS", {"eniks"}),
        ("Joint Stock Company ENICS", {"eniks"}),
    ],
)
def test_identity_name_folds_legal_forms_boilerplate_and_spelling(name, forms):
    assert forms <= set(identity_name(name).split("\t"))


def test_poly_technologies_is_one_entity_with_both_listings(seed_db):
    hit = open_index(seed_db.conn).search("Poly Technologies").hits[0]
    assert {"EL", "ISN"} <= set(hit.lists) and len(hit.records) == 2
    record = queries.entity(seed_db, hit.entity_id)
    assert record is not None and {x.list for x in record.listings} == {"EL", "ISN"}
    assert any(r.reason.startswith("same name") for r in record.records)


def test_search_json_returns_one_sinno_entity_with_both_listings(seed_db_path):
    out = CliRunner().invoke(main, ["--db", str(seed_db_path), "search", "sinno electronics", "--json"]).output
    results = json.loads(out)["results"]
    both = [r for r in results if {"EL", "SDN"} <= set(r["lists"])]
    assert len(both) == 1 and "ofac:38641" in both[0]["records"]
    assert not any(r["id"] != both[0]["id"] and "ofac:38641" in r["records"] for r in results)


def test_different_countries_and_legal_forms_keep_records_apart(seed_db):
    ids = dict(seed_db.conn.execute("SELECT key, id FROM entities"))
    group = lambda key: resolve.group_of(seed_db.conn, ids[key])  # noqa: E731
    assert group("el:sinno elec:LT") != group("ofac:38641")  # Vilnius vs Hong Kong
    assert group("ofac:16832") != group("el:stroytransgaz llc:RU")  # Stroytransgaz OJSC vs LLC
    assert group("ofac:16834") == group("el:stroytransgaz llc:RU")  # Stroytransgaz LLC on SDN and on the Entity List


def test_split_and_merge_are_decisions_on_the_entity(seed_db_copy: Path):
    db = connect(seed_db_copy)
    ids = dict(db.conn.execute("SELECT key, id FROM entities"))
    sinno = ids["el:sinno elec co ltd:CN,HK"]
    # the user stars the SDN record and writes a note on it: both count for the merged entity
    userdata.star(db, "ofac:38641", "hk")
    userdata.set_note(db, "ofac:38641", "Supplier of SMT-iLogic")
    record = queries.entity(db, sinno)
    assert record and record.watchlist and record.watchlist.tags == "hk" and record.note == "Supplier of SMT-iLogic"
    # undo the merge; accept a candidate
    resolve.split(db, ids["ofac:38641"])
    assert resolve.group_of(db.conn, ids["ofac:38641"]) != resolve.group_of(db.conn, sinno)
    candidate = resolve.candidates(db)[0]
    resolve.decide(db, candidate.a_key, candidate.b_key, resolve.SAME)
    assert resolve.group_of(db.conn, ids[candidate.a_key]) == resolve.group_of(db.conn, ids[candidate.b_key])
    db.conn.close()


def test_split_and_merge_are_kept_across_a_rebuild(rebuilt: dict, rebuilt_copy: Path):
    """The same decisions, made before the shared rebuild (conftest.rebuilt), hold after it; merging back is one decision."""
    db = connect(rebuilt_copy)
    ids = dict(db.conn.execute("SELECT key, id FROM entities"))
    candidate = rebuilt["candidate"]
    assert resolve.group_of(db.conn, ids["ofac:38641"]) != resolve.group_of(db.conn, ids["el:sinno elec co ltd:CN,HK"])
    assert resolve.group_of(db.conn, ids[candidate["a_key"]]) == resolve.group_of(db.conn, ids[candidate["b_key"]])
    starred = userdata.watchlist(db)
    assert [(r["key"], r["tags"], r["note"]) for r in starred] == [("ofac:38641", "hk", "Supplier of SMT-iLogic\nCheck the Kowloon address")]
    resolve.decide(db, "ofac:38641", "el:sinno elec co ltd:CN,HK", resolve.SAME)
    assert resolve.group_of(db.conn, ids["ofac:38641"]) == resolve.group_of(db.conn, ids["el:sinno elec co ltd:CN,HK"])
    db.conn.close()


def test_resolve_cli_lists_and_decides(seed_db_copy: Path):
    runner = CliRunner()
    listed = json.loads(runner.invoke(main, ["--db", str(seed_db_copy), "resolve", "list", "--json"]).output)
    assert listed and {"a_key", "b_key", "reason", "score"} <= set(listed[0])
    first = listed[0]
    out = runner.invoke(main, ["--db", str(seed_db_copy), "resolve", "same", first["a_key"], first["b_key"]])
    assert out.exit_code == 0 and "same" in out.output
    shown = json.loads(runner.invoke(main, ["--db", str(seed_db_copy), "show", first["b_key"], "--json"]).output)
    assert {first["a_key"], first["b_key"]} <= {r["key"] for r in shown["records"]}
    out = runner.invoke(main, ["--db", str(seed_db_copy), "resolve", "split", first["b_key"]])
    assert out.exit_code == 0
    shown = json.loads(runner.invoke(main, ["--db", str(seed_db_copy), "show", first["b_key"], "--json"]).output)
    assert first["a_key"] not in {r["key"] for r in shown["records"]}
    bad = runner.invoke(main, ["--db", str(seed_db_copy), "resolve", "same", "no-such-key", first["b_key"]])
    assert bad.exit_code == 1 and "no entity 'no-such-key'" in bad.output


def test_derived_relations_link_entities_at_one_street_address(seed_db):
    record = queries.entity(seed_db, queries.entity_id_for(seed_db, "ofac:6348"))
    assert record is not None
    same = [r for r in record.relations if r.kind == "same address as"]
    assert len(same) >= 5 and all("Calle 74 No. 53-30" in (r.detail or "") for r in same)
    assert all(r.entity_id != record.id for r in same)


def test_a_store_from_before_resolution_is_grouped_when_upgraded(seed_db_copy: Path):
    """Schema 2 → now: the upgrade adds the tables and groups the records once, without a re-import."""
    import sqlite3

    conn = sqlite3.connect(seed_db_copy, isolation_level=None)
    # undo schema 6 (decision events, note history, generations) ...
    for (trigger,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%generation'").fetchall():
        conn.execute(f"DROP TRIGGER {trigger}")
    for view in ("user_screening_decisions", "user_resolve_decisions", "user_link_decisions"):
        conn.execute(f"DROP VIEW {view}")
    for table in ("user_screening_events", "user_resolve_events", "user_link_events", "user_note_history", "store_state"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("ALTER TABLE imports DROP COLUMN pid")
    conn.execute(
        "CREATE TABLE user_link_decisions (party_key TEXT NOT NULL, entity_key TEXT NOT NULL, decision TEXT NOT NULL,"
        " decided_at TEXT NOT NULL, PRIMARY KEY (party_key, entity_key))"
    )
    conn.execute("CREATE TABLE user_screening_decisions (x)")  # ... and 4-5, back to 2
    conn.execute("CREATE TABLE user_resolve_decisions (x)")
    for trigger in ("names_ai", "names_ad", "names_au", "entities_ai", "entities_ad", "entities_au"):
        conn.execute(f"DROP TRIGGER {trigger}")
    for table in (
        "names_fts",
        "entities_fts",
        "user_screening_decisions",
        "user_screening_rows",
        "user_screening_runs",
        "resolve_candidates",
        "resolution",
        "user_resolve_decisions",
    ):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("DROP INDEX changes_list")
    conn.execute("ALTER TABLE names DROP COLUMN ident")
    conn.execute("ALTER TABLE changes DROP COLUMN detail")
    conn.execute("DROP TABLE facts")  # ... and 9
    conn.execute("ALTER TABLE relations DROP COLUMN role")
    conn.execute("DROP TABLE user_aliases")  # ... and 12
    conn.execute("DROP TABLE resolve_blocks")  # ... and 15
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    db = connect(seed_db_copy)
    ids = dict(db.conn.execute("SELECT key, id FROM entities"))
    assert resolve.group_of(db.conn, ids["ofac:38641"]) == ids["el:sinno elec co ltd:CN,HK"]
    assert db.conn.execute("SELECT count(*) FROM names_fts WHERE names_fts MATCH 'sinno'").fetchone()[0] >= 2
    db.conn.close()


def test_a_candidate_on_a_shared_name_says_which_name(seed_db):
    shared = [c for c in resolve.candidates(seed_db) if c.reason.startswith("same name (")]
    assert shared, "the seed has candidates resting on a shared name"
    for c in shared[:20]:
        name = c.reason.split("(", 1)[1].split(")")[0].split(";")[0]
        assert name.strip() and not name.startswith("+"), c.reason


def test_a_decision_or_a_small_import_regroups_only_its_neighbourhood_with_the_same_outcome(seed_db_copy: Path):
    """Decisions and imports regroup the records near what changed; the groups and candidates are exactly those of a
    regroup of every record: after a merge, a split, new EU records, and a UN snapshot that removes most UN listings."""
    from watchlist.store import importers

    db = connect(seed_db_copy)
    conn = db.conn
    assert conn.execute("SELECT value FROM store_state WHERE key = 'blocks'").fetchone() == (1,)
    candidate = next(c for c in resolve.candidates(db) if c.reason.startswith("same name"))
    resolve.decide(db, candidate.a_key, candidate.b_key, resolve.SAME)
    merged = resolve.group_of(conn, candidate.a_id)
    assert merged == resolve.group_of(conn, candidate.b_id)
    ids = dict(conn.execute("SELECT key, id FROM entities"))
    resolve.split(db, ids["ofac:38641"])  # Sinno's SDN record out of its group
    assert resolve.group_of(conn, ids["ofac:38641"]) != resolve.group_of(conn, ids["el:sinno elec co ltd:CN,HK"])
    assert resolve.stored_grouping(conn) == resolve.whole_grouping(conn)
    data = Path(__file__).parent / "data"
    report = importers.import_file(db, data / "eu" / "eu_fsf_sample.xml")
    assert report.added
    report = importers.import_file(db, data / "un" / "un_sample.xml", force=True, snapshot=True)
    assert report.removed > 500 and resolve.stored_grouping(conn) == resolve.whole_grouping(conn)
    db.conn.close()


def test_a_store_of_schema_14_is_regrouped_whole_once_then_in_part(seed_db_copy: Path):
    """A store from before the blocks table gets it empty; the first regroup fills it (a full one), later ones use it."""
    import sqlite3

    conn = sqlite3.connect(seed_db_copy, isolation_level=None)
    conn.execute("DROP TABLE resolve_blocks")
    conn.execute("DELETE FROM store_state WHERE key = 'blocks'")
    conn.execute("PRAGMA user_version = 14")
    conn.close()
    db = connect(seed_db_copy)
    assert db.conn.execute("SELECT count(*) FROM resolve_blocks").fetchone() == (0,)
    before = resolve.stored_grouping(db.conn)
    candidate = resolve.candidates(db)[0]
    resolve.decide(db, candidate.a_key, candidate.b_key, resolve.DIFFERENT)
    assert db.conn.execute("SELECT count(*) FROM resolve_blocks").fetchone()[0] > 100_000
    assert db.conn.execute("SELECT value FROM store_state WHERE key = 'blocks'").fetchone() == (1,)
    after = resolve.stored_grouping(db.conn)
    assert after[0] == before[0]  # the groups stay
    candidate = resolve.candidates(db)[0]  # and the next decision regroups in part, to the same outcome
    resolve.decide(db, candidate.a_key, candidate.b_key, resolve.SAME)
    assert resolve.group_of(db.conn, candidate.a_id) == resolve.group_of(db.conn, candidate.b_id)
    assert resolve.stored_grouping(db.conn) == resolve.whole_grouping(db.conn)
    db.conn.execute("DELETE FROM resolution WHERE rowid = (SELECT min(rowid) FROM resolution)")  # the check sees a change
    assert resolve.stored_grouping(db.conn) != resolve.whole_grouping(db.conn)
    db.conn.close()


def test_a_whole_regroup_in_chunks_loads_only_records_that_can_pair_with_the_same_outcome(seed_db_copy: Path, monkeypatch):
    """A whole regroup writes every record's blocks a chunk at a time and loads whole only the records sharing a block
    or decided on: the outcome is a regroup of everything's, a "same" decision on two records with nothing in common
    included, and the records left out are most of the store."""
    from watchlist.store.db import transaction

    monkeypatch.setattr(resolve, "BLOCKS_CHUNK", 3_000)  # the seed in several chunks
    db = connect(seed_db_copy)
    conn = db.conn
    blocks = {e: set() for (e,) in conn.execute("SELECT DISTINCT entity_id FROM listings")}
    for block, eid in conn.execute("SELECT block, entity_id FROM resolve_blocks"):
        blocks[eid].add(block)
    a, b = sorted(e for e, bs in blocks.items() if bs)[:2]  # two lone records: no shared block between them
    assert not blocks[a] & blocks[b]
    keys = dict(conn.execute("SELECT id, key FROM entities WHERE id IN (?, ?)", (a, b)))
    resolve.decide(db, keys[a], keys[b], resolve.SAME)
    loaded: list[int] = []
    chunks: list[int] = []
    load, blocks_of_each = resolve.load, resolve._blocks_of_each
    monkeypatch.setattr(resolve, "load", lambda c, ids=None: loaded.append(len(ids)) or load(c, ids))
    monkeypatch.setattr(resolve, "_blocks_of_each", lambda c, ids: chunks.append(len(ids)) or blocks_of_each(c, ids))
    with transaction(conn):
        counts = resolve.regroup(conn)
    monkeypatch.setattr(resolve, "load", load)
    assert counts["records"] == len(blocks)
    assert resolve.group_of(conn, a) == resolve.group_of(conn, b)
    assert resolve.stored_grouping(conn) == resolve.whole_grouping(conn)
    assert max(chunks) <= 3_000 and sum(chunks) == len(blocks)  # the blocks, a chunk at a time: every record once
    assert len(loaded) == 1 and loaded[0] < len(blocks) / 2  # then only the records that can pair, loaded whole
    # the blocks written are those of the records loaded whole (read for their blocks alone, they are the same)
    written: dict[int, set[str]] = {}
    for block, eid in conn.execute("SELECT block, entity_id FROM resolve_blocks"):
        written.setdefault(eid, set()).add(block)
    assert written == {r.id: resolve.blocks_of(r) for r in load(conn).values() if resolve.blocks_of(r)}
    assert len(written) > 20_000
    db.conn.close()


def test_a_snapshot_repeating_its_records_regroups_only_the_one_it_changed(seed_db_copy: Path, tmp_path: Path, monkeypatch):
    """The Entity List imported again with one firm's address changed (Sinno's Vilnius branch moves down the street): resolution looks
    again at that record only, not at the 3,000 the snapshot repeats unchanged, and the groups and candidates are
    exactly those of a regroup of everything."""
    import csv
    import gzip

    from watchlist.store import importers

    source = Path(__file__).parent.parent / "seed" / "entity_list_2025-11-08.csv.gz"
    with gzip.open(source, "rt", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    moved = next(r for r in rows if r["name"] == "Sinno Electronics" and r["country_codes"] == "LT")
    moved["addresses"] = "Kirtimu G 43, Vilnius, LT"
    again = tmp_path / "entity_list_again.csv"
    with again.open("w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(rows)
    looked_at: list[set[int]] = []
    regroup = resolve.regroup
    monkeypatch.setattr(resolve, "regroup", lambda conn, touched=None: looked_at.append(set(touched or ())) or regroup(conn, touched))
    db = connect(seed_db_copy)
    report = importers.import_file(db, again, as_of="2025-11-08", force=True, snapshot=True)
    conn = db.conn
    assert report.updated == 1 and report.unchanged > 3_000, report
    assert len(looked_at) == 1 and len(looked_at[0]) == 1
    (eid,) = looked_at[0]
    assert conn.execute("SELECT name FROM entities WHERE id = ?", (eid,)).fetchone() == ("Sinno Electronics",)
    assert resolve.stored_grouping(conn) == resolve.whole_grouping(conn)
    db.conn.close()
