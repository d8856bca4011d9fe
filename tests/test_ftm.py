"""FollowTheMoney and OpenSanctions: our export checked by the real ``followthemoney`` library; their files imported
into the seeded store, each fact where it belongs, no list emptied by a file that holds part of it."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from watchlist.store import ImportFailed, connect, importers, queries
from watchlist.store.ftm import ftm_id
from watchlist.store.models import Entity
from watchlist.tui.cli import main

from .conftest import write
from .pilot import settle

FIXTURES = Path(__file__).parent / "data" / "opensanctions"
US_LISTS = ("SDN", "EL", "DPL", "UVL", "MEU", "ISN", "DTC", "SSI", "CMIC", "PLC", "CAP", "MBS", "FSE")


@pytest.fixture(scope="module")
def exported(seed_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded store exported as FollowTheMoney by the CLI."""
    out = tmp_path_factory.mktemp("ftm") / "store.ftm.jsonl"
    result = CliRunner().invoke(main, ["--db", str(seed_db_path), "export", "--format", "ftm", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _active(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    out = dict(conn.execute("SELECT list, count(*) FROM listings WHERE status = 'active' GROUP BY list"))
    conn.close()
    return out


def _record(db, key: str) -> Entity:
    eid = queries.entity_id_for(db, key)
    assert eid is not None, key
    record = queries.entity(db, eid)
    assert record is not None
    return record


def _own(db, key: str) -> dict[str, list]:
    """One record's own rows (not its resolved group's): listings, facts, identifiers, relations."""
    conn = db.conn
    eid = conn.execute("SELECT id FROM entities WHERE key = ?", (key,)).fetchone()[0]
    return {
        "listings": sorted(conn.execute("SELECT list, status FROM listings WHERE entity_id = ?", (eid,))),
        "facts": sorted(conn.execute("SELECT kind, value FROM facts WHERE entity_id = ?", (eid,))),
        "identifiers": sorted(conn.execute("SELECT kind, value, coalesce(country, '') FROM identifiers WHERE entity_id = ?", (eid,))),
        "relations": sorted(
            conn.execute(
                "SELECT r.kind, coalesce(r.role, ''), coalesce(t.key, '') FROM relations r LEFT JOIN entities t ON t.id = r.to_id WHERE r.from_id = ?",
                (eid,),
            )
        ),
        "names": sorted(n for (n,) in conn.execute("SELECT name FROM names WHERE entity_id = ?", (eid,))),
    }


# -- export, checked by the library -----------------------------------------------------------------------


def test_the_export_passes_the_followthemoney_library(exported: Path):
    pytest.importorskip("followthemoney", reason="the interop extra (pip install -e '.[interop]') holds the real library")
    from .ftm_check import problems

    with exported.open(encoding="utf-8") as f:
        found, entities = problems(f)
    assert found == [], f"{len(found)} problems, first: {found[:5]}"
    schemas = {e["schema"] for e in entities.values()}
    assert {"Company", "Person", "Vessel", "Airplane", "Sanction", "Address", "Identification", "Passport", "UnknownLink"} <= schemas
    persons = [e for e in entities.values() if e["schema"] == "Person"]
    assert sum(bool(p["properties"].get("birthDate")) for p in persons) > len(persons) / 2
    vessels = [e for e in entities.values() if e["schema"] == "Vessel"]
    assert sum(bool(v["properties"].get("imoNumber")) for v in vessels) > len(vessels) / 2
    sanctions = [e for e in entities.values() if e["schema"] == "Sanction"]
    assert all(
        e["properties"]["recordId"][0].split(":")[0]
        in ("ofac", "el", "dpl", "uvl", "meu", "isn", "dtc", "ssi", "cmic", "plc", "cap", "mbs", "fse", "sdn", "un")
        for e in sanctions
    )
    # the library's command line (`ftm aggregate`) reads the file and keeps every entity: run on the first 400 entities
    # of each schema (every schema, ~7,000 lines; the whole file took 14 s and says no more once the ids are unique)
    ftm = shutil.which("ftm", path=str(Path(sys.executable).parent))
    assert ftm, "the followthemoney command line is installed with the library"
    taken: dict[str, int] = {}
    sample = exported.parent / "sample.jsonl"
    with exported.open(encoding="utf-8") as f, sample.open("w", encoding="utf-8") as out:
        for line in f:
            schema = json.loads(line)["schema"]
            if taken.get(schema, 0) < 400:
                taken[schema] = taken.get(schema, 0) + 1
                out.write(line)
    assert set(taken) == schemas
    aggregated = exported.parent / "aggregated.jsonl"
    subprocess.run([ftm, "aggregate", "-i", str(sample), "-o", str(aggregated)], check=True, timeout=300)
    with aggregated.open(encoding="utf-8") as f:
        assert sum(1 for _ in f) == sum(taken.values())


def test_export_ids_are_legal_and_stable(seed_db_path: Path, exported: Path, tmp_path: Path):
    assert ftm_id("ofac:21944") == "ofac-21944"
    derived = ftm_id("el:sinno elec co ltd:CN,HK")
    assert derived.startswith("el-sinno-elec-co-ltd-CN-HK-") and derived == ftm_id("el:sinno elec co ltd:CN,HK")
    # the Entity List's records exported again by another process (another hash seed): the same ids as in the whole export
    again = tmp_path / "again.jsonl"
    env = dict(os.environ, PYTHONHASHSEED="7")
    subprocess.run(
        [sys.executable, "-m", "watchlist.tui", "--db", str(seed_db_path), "export", "--query", "list:EL", "-o", str(again)], env=env, check=True
    )
    ids = [json.loads(line)["id"] for line in exported.read_text(encoding="utf-8").splitlines()]
    some = [json.loads(line)["id"] for line in again.read_text(encoding="utf-8").splitlines()]
    assert len(ids) == len(set(ids)) and len(some) == len(set(some)) > 10_000 and set(some) <= set(ids)


def test_an_export_imported_into_an_empty_store_keeps_each_record(seed_db_path: Path, tmp_path: Path):
    """Our own importer reads the export back: each listed record, its names, listings and addresses, under its source.

    Every seventh listed record (about 2,700, persons, vessels and aircraft among them), to keep the test quick.
    """
    from watchlist.store import ftm

    seed = sqlite3.connect(f"file:{seed_db_path}?mode=ro", uri=True)
    sample = [eid for (eid,) in seed.execute("SELECT DISTINCT entity_id FROM listings ORDER BY entity_id")][::7]
    exported = tmp_path / "sample.ftm.jsonl"
    source = connect(seed_db_path, readonly=True)
    exported.write_text("".join(ftm.lines(source, sample)), encoding="utf-8")
    source.conn.close()
    db = connect(tmp_path / "roundtrip.db")
    report = importers.import_file(db, exported)
    assert report.format == "ftm" and not report.rejects and report.removed == 0
    keys = {key: f"ftm:watchlist:{ftm_id(key)}" for (key,) in seed.execute(f"SELECT key FROM entities WHERE id IN ({','.join(map(str, sample))})")}
    assert len(keys) > 2_000 and {k for (k,) in db.conn.execute("SELECT kind FROM entities")} >= {"company", "person", "vessel"}
    queries_ = {
        "names": "SELECT e.key, n.name FROM names n JOIN entities e ON e.id = n.entity_id",
        "listings": "SELECT e.key, l.list, l.status, coalesce(l.programs, '') FROM listings l JOIN entities e ON e.id = l.entity_id",
        "addresses": "SELECT e.key, a.address FROM addresses a JOIN entities e ON e.id = a.entity_id",
    }
    for table, sql in queries_.items():
        before = {(keys[k], *rest) for k, *rest in seed.execute(sql) if k in keys}
        after = set(db.conn.execute(sql))
        assert before == after, f"{table}: {len(before - after)} lost, {len(after - before)} new"
    assert db.conn.execute("SELECT count(*) FROM facts").fetchone()[0] > 1_000
    seed.close()
    db.conn.close()


# -- OpenSanctions files into the seeded store ------------------------------------------------------------


def test_an_opensanctions_file_lands_where_each_fact_belongs(seed_db_copy: Path):
    before = _active(seed_db_copy)
    db = connect(seed_db_copy)
    db.conn.execute("INSERT INTO user_watchlist (entity_key, starred_at) VALUES ('ofac:38641', '2026-01-01')")
    db.conn.commit()
    report = importers.import_file(db, FIXTURES / "entities.ftm.json")
    assert not report.rejects and report.removed == 0
    assert "not read" not in "; ".join(report.notes)
    after = _active(seed_db_copy)
    for code in US_LISTS:  # a file that names part of the lists adds, never removes
        assert after.get(code, 0) >= before.get(code, 0), code

    scope = "ftm:opensanctions:"
    arkady = _own(db, scope + "Q-arkady-rotenberg")
    assert arkady["listings"] == sorted(
        [
            ("SDN", "active"),
            ("EU", "active"),
            ("UK", "active"),
            ("AU", "active"),
            ("UA", "active"),
            ("Direction du Budget et du Trésor (Monaco)", "active"),
        ]
    )
    assert arkady["facts"] == sorted(
        [("birth_date", "1951-12-15"), ("birth_place", "St. Petersburg, Russia"), ("gender", "male"), ("nationality", "RU")]
    )
    # the referent "ofac-16669" is merged in: its tax number and name are the party's, and it is no record of its own
    assert ("Tax ID No.", "780619032880", "") in arkady["identifiers"] and "ROTENBERG, Arkady Romanovich" in arkady["names"]
    assert queries.entity_id_for(db, scope + "ofac-16669") is None
    assert ("family of", "Brother", scope + "ofac-16671") in arkady["relations"]

    roman = _own(db, scope + "ofac-18310")
    assert ("Passport", "640848350", "RU") in roman["identifiers"] and ("birth_date", "1981-04-07") in roman["facts"]
    seen_from_roman = _record(db, scope + "ofac-18310").relations
    assert any(r.kind == "family of" and r.direction == "in" and r.detail == "Son" for r in seen_from_roman)

    timchenko = _own(db, scope + "ofac-16666")
    assert ("owner of", "23.5%", scope + "ofac-17064") in timchenko["relations"]
    assert ("family of", "Spouse", scope + "ofac-35960") in timchenko["relations"]
    novatek = _record(db, scope + "ofac-17064")
    assert any(r.kind == "owned by" and r.detail == "23.5%" for r in novatek.relations)
    assert _own(db, scope + "ofac-17064")["listings"] == [("SSI", "active")]  # a non-SDN OFAC list, by program
    assert _own(db, scope + "poly-tech")["listings"] == [("ISN", "active")]
    assert ("owner of", "parent company", scope + "poly-tech") in _own(db, scope + "china-poly-group")["relations"]
    assert ("director of", "Executive Chairman", scope + "li-ning-co") in _own(db, scope + "li-ning")["relations"]

    # context: a company register's records are kept and searchable, never listed, never a screening match
    for key in ("china-poly-group", "li-ning-co", "li-ning"):
        assert _own(db, scope + key)["listings"] == []
    from watchlist.store.screening import Row, screen_row
    from watchlist.store.search import SearchIndex

    index = SearchIndex.build(db.conn)
    found = index.search("Li Ning Company Limited ")
    assert found is not None and found.hits[0].key == scope + "li-ning-co"
    assert screen_row(index, Row(1, "Li Ning Company Limited", "CN", {})).status == "no match"

    # an id equal to a key of the lists' own records is a record of its own; the original keeps its name and the star
    sinno = _own(db, scope + "ofac:38641")
    assert sinno["listings"] == [("EL", "active")]
    original = db.conn.execute("SELECT name FROM entities WHERE key = 'ofac:38641'").fetchone()[0]
    assert original == "SINNO ELECTRONICS CO., LIMITED"
    assert _own(db, "ofac:38641")["listings"] == [("SDN", "active")]
    assert db.conn.execute("SELECT count(*) FROM user_watchlist WHERE entity_key = 'ofac:38641'").fetchone()[0] == 1

    # the same file again changes nothing
    again = importers.import_file(db, FIXTURES / "entities.ftm.json", force=True)
    assert (again.added, again.updated, again.removed) == (0, 0, 0)
    assert _active(seed_db_copy) == after
    db.conn.close()


def test_a_partial_file_removes_nothing_and_a_snapshot_only_inside_its_source(seed_db_copy: Path, tmp_path: Path):
    db = connect(seed_db_copy)
    importers.import_file(db, FIXTURES / "entities.ftm.json")
    before = _active(seed_db_copy)
    lines = (FIXTURES / "entities.ftm.json").read_text(encoding="utf-8").splitlines()
    fewer = write(tmp_path / "fewer.ftm.json", "\n".join(x for x in lines if '"poly-tech' not in x) + "\n")
    report = importers.import_file(db, fewer)
    assert report.removed == 0 and _active(seed_db_copy) == before
    report = importers.import_file(db, fewer, force=True, snapshot=True)
    assert report.removed == 1  # Poly Technologies' ISN listing of this source, and nothing of the lists' own records
    after = _active(seed_db_copy)
    assert after["ISN"] == before["ISN"] - 1 and {k: v for k, v in after.items() if k != "ISN"} == {k: v for k, v in before.items() if k != "ISN"}
    assert _own(db, "ftm:opensanctions:poly-tech")["listings"] == [("ISN", "removed")]
    db.conn.close()


def test_an_opensanctions_dataset_export_says_it_is_whole(seed_db_copy: Path, tmp_path: Path):
    """An ``index.json`` beside the file naming its one dataset makes it a snapshot of that source."""
    folder = tmp_path / "us_state_isn"
    folder.mkdir()
    lines = [x for x in (FIXTURES / "entities.ftm.json").read_text(encoding="utf-8").splitlines() if '"poly-tech' in x]
    write(folder / "entities.ftm.json", "\n".join(lines) + "\n")
    write(folder / "index.json", json.dumps({"name": "us_state_isn", "title": "US State Department Nonproliferation Sanctions"}))
    db = connect(seed_db_copy)
    report = importers.import_file(db, folder / "entities.ftm.json")
    assert report.added == 1 and "source us_state_isn" in report.notes
    # the next export of the dataset no longer has Poly Technologies (the 27th Scientific Center is on the ISN list, 2021)
    center = [
        {
            "id": "isn-27th-scientific-center",
            "schema": "Organization",
            "datasets": ["us_state_isn"],
            "properties": {"name": ["27th Scientific Center"], "country": ["ru"], "topics": ["sanction"]},
        },
        {
            "id": "isn-27th-scientific-center-sanction",
            "schema": "Sanction",
            "datasets": ["us_state_isn"],
            "properties": {
                "entity": ["isn-27th-scientific-center"],
                "program": ["E.O. 13382"],
                "startDate": ["2021-03-02"],
                "authority": ["U.S. Department of State, Bureau of International Security and Nonproliferation"],
            },
        },
    ]
    write(folder / "entities.ftm.json", "".join(json.dumps(x) + "\n" for x in center))
    report = importers.import_file(db, folder / "entities.ftm.json")
    assert report.added == 1 and report.removed == 1
    assert _own(db, "ftm:us_state_isn:poly-tech")["listings"] == [("ISN", "removed")]
    assert (
        db.conn.execute(
            "SELECT count(*) FROM listings l JOIN entities e ON e.id = l.entity_id"
            " WHERE l.list = 'ISN' AND l.status = 'removed' AND e.key NOT LIKE 'ftm:%'"
        ).fetchone()[0]
        == 0
    )
    db.conn.close()


def test_a_gzipped_file_streams_in(seed_db_copy: Path, tmp_path: Path):
    packed = tmp_path / "entities.ftm.json.gz"
    packed.write_bytes(gzip.compress((FIXTURES / "entities.ftm.json").read_bytes()))
    db = connect(seed_db_copy)
    report = importers.import_file(db, packed)
    assert report.format == "ftm" and report.added == 17 and not report.rejects
    db.conn.close()


def test_opensanctions_targets_simple_csv(seed_db_copy: Path):
    before = _active(seed_db_copy)
    db = connect(seed_db_copy)
    report = importers.import_file(db, FIXTURES / "targets.simple.csv")
    assert report.format == "os-targets" and report.added == 5 and report.removed == 0 and not report.rejects
    scope = "ftm:opensanctions_targets:"
    roman = _own(db, scope + "ofac-18310")
    assert roman["listings"] == [("SDN", "active")] and ("birth_date", "1981-04-07") in roman["facts"]
    assert {"ROTENBERG, Roman Borisovich", "ROTENBERG, Roman Borysovych"} <= set(roman["names"])
    assert _own(db, scope + "ofac-17064")["listings"] == [("SSI", "active")]
    assert _own(db, scope + "li-ning-co")["listings"] == []  # no sanction: context
    after = _active(seed_db_copy)
    assert all(after.get(code, 0) >= before.get(code, 0) for code in US_LISTS)
    db.conn.close()


def test_a_list_extract_is_held_unless_said_partial_or_whole(seed_db_copy: Path, tmp_path: Path):
    """A one-row UVL file would remove every other UVL entry: held with one line; --partial adds, --snapshot removes."""
    conn = sqlite3.connect(seed_db_copy)
    uvl = conn.execute("SELECT count(*) FROM listings WHERE list = 'UVL' AND status = 'active'").fetchone()[0]
    conn.close()
    extract = write(
        tmp_path / "uvl.csv",
        "source,name,addresses,start_date\nUnverified List (UVL) - Bureau of Industry and Security,Sinno Electronics Co. Ltd.,Hong Kong,2023-02-07\n",
    )
    db = connect(seed_db_copy)
    with pytest.raises(ImportFailed, match=rf"held: it would remove {uvl - 1:,}|held: it would remove {uvl:,}"):
        importers.import_file(db, extract)
    assert _active(seed_db_copy)["UVL"] == uvl
    report = importers.import_file(db, extract, snapshot=False)
    assert report.removed == 0 and _active(seed_db_copy)["UVL"] >= uvl
    report = importers.import_file(db, extract, snapshot=True, force=True)
    assert report.removed >= uvl - 1 and _active(seed_db_copy)["UVL"] == 1
    db.conn.close()


def test_init_makes_a_store_of_opensanctions_data_only(tmp_path: Path):
    store = tmp_path / "os.db"
    runner = CliRunner()
    result = runner.invoke(main, ["--db", str(store), "init"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["--db", str(store), "import", str(FIXTURES / "entities.ftm.json")])
    assert result.exit_code == 0 and "17 added" in result.output, result.output
    result = runner.invoke(main, ["--db", str(store), "stats", "--json"])
    assert json.loads(result.output)["entities"] == 12  # the file's 12 parties (17 listings and context records); no seed
    result = runner.invoke(main, ["--db", str(store), "search", "rotenberg", "--json"])
    assert {r["key"] for r in json.loads(result.output)["results"]} >= {"ftm:opensanctions:Q-arkady-rotenberg"}
    assert runner.invoke(main, ["--db", str(store), "init"]).exit_code == 1  # never over a store that holds data


def test_broken_ftm_lines_are_refused_or_rejected(tmp_path: Path):
    db = connect(tmp_path / "bad.db")
    bad = write(tmp_path / "bad.jsonl", '{"id": "x", "schema": "Company", "properties": {"name": ["Ok Co"]}}\n{"id": "y", "schema": \n')
    with pytest.raises(ImportFailed) as failed:
        importers.import_file(db, bad, "ftm")
    assert str(failed.value) == f"{bad}:2: not valid JSON (Expecting value)"
    partial = write(
        tmp_path / "partial.jsonl",
        '{"id": "x", "schema": "Company", "properties": {"name": ["Ok Co"]}}\n[1, 2]\n{"id": "z", "schema": "Company", "properties": {}}\n',
    )
    report = importers.import_file(db, partial, "ftm")
    assert report.added == 1 and sorted(r.line for r in report.rejects) == [2, 3]
    db.conn.close()


def test_the_explorer_shows_context_facts_and_typed_relations(seed_db_copy: Path):
    """In the real app: a register's company says it is not listed; a person shows birth date and nationality; the
    family link reads from both sides and Enter follows it."""
    import asyncio

    from textual.widgets import DataTable, Input, Static

    from watchlist.tui.app import WatchlistApp
    from watchlist.tui.screens.entity import EntityScreen

    from .test_app import SIZE, text_of, type_and_open

    db = connect(seed_db_copy)
    importers.import_file(db, FIXTURES / "entities.ftm.json")
    db.conn.close()

    async def scenario():
        app = WatchlistApp(seed_db_copy)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await type_and_open(app, pilot, "li ning company limited", "Li Ning Company Limited")
            screen = app.screen
            assert isinstance(screen, EntityScreen)
            overview = text_of(screen.query_one("#overview-text", Static))
            assert "Not listed" in overview and "(context)" in overview
            await pilot.press("escape")
            await settle(app, pilot)
            box = app.screen.query_one("#search", Input)
            box.value = ""
            box.focus()
            await type_and_open(app, pilot, "roman borisovich rotenberg", "ROTENBERG, Roman Borisovich")
            screen = app.screen
            assert isinstance(screen, EntityScreen)
            overview = text_of(screen.query_one("#overview-text", Static))
            assert "1981-04-07" in overview and "Born" in overview
            await pilot.press("9")  # Relations
            await settle(app, pilot)
            table = screen.query_one("#t-relations", DataTable)
            rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
            family = next(i for i, r in enumerate(rows) if r[0] == "family of" and r[1] == "in")
            assert rows[family][4] == "Son" and rows[family][2].startswith(("Boris Romanovich Rotenberg", "ROTENBERG, Boris"))
            table.move_cursor(row=family)
            await pilot.press("enter")
            await settle(app, pilot)
            assert "Boris" in text_of(screen.query_one("#overview-text", Static)).split("\n")[0]

    asyncio.run(scenario())


def test_the_library_check_itself_finds_what_is_wrong():
    """The check the export must pass is not blind: a bad date, an illegal or repeated id, an unknown property and a
    dangling link are each reported (the same value judged twice gives the same verdict)."""
    pytest.importorskip("followthemoney", reason="the interop extra (pip install -e '.[interop]') holds the real library")
    from .ftm_check import problems

    bad = [
        {"id": "co-1", "schema": "Company", "properties": {"name": ["A"], "incorporationDate": ["not a date"]}},
        {"id": "co-2", "schema": "Company", "properties": {"name": ["B"], "incorporationDate": ["not a date"]}},
        {"id": "bad id!", "schema": "Company", "properties": {"name": ["C"], "colour": ["red"]}},
        {"id": "sa-1", "schema": "Sanction", "properties": {"entity": ["nobody-here"]}},
        {"id": "co-1", "schema": "Company", "properties": {"name": ["again"]}},
    ]
    found, _ = problems(json.dumps(e) for e in bad)
    text = "\n".join(found)
    assert sum("'not a date' is not a valid date" in p for p in found) == 2
    assert "illegal id" in text and "has no property 'colour'" in text and "not in the file" in text and "id repeated" in text
