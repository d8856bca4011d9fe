"""Imports: rejects with file/line/field, all-or-nothing, idempotence, newer snapshots, user data kept."""

from __future__ import annotations

import json

import pytest

from watchlist.store import ImportFailed, connect, importers, queries
from watchlist.store.importers import apply

from .conftest import write

HEADER = "source,name,alt_names,addresses,federal_register_notice,start_date,license_requirement,license_policy\n"
EL = "Entity List (EL) - Bureau of Industry and Security"


def csl(rows: list[str]) -> str:
    return HEADER + "".join(r + "\n" for r in rows)


V1 = [
    f'{EL},Alpha Electronics Co. Ltd.,Alpha HK,"1 Road, Shenzhen, CN",87 FR 1,2022-06-30,All items,Presumption of denial',
    f'{EL},Beta Trading Limited,,"2 Street, Kowloon, Hong Kong, CN",87 FR 2,2022-06-30,All items,Case-by-case',
    f'{EL},Gamma Tech,,"3 Lane, Moscow, RU",87 FR 3,2022-06-30,All items,Presumption of denial',
]


def test_broken_row_is_rejected_with_file_line_and_field(empty_db, tmp_path):
    path = write(tmp_path / "el.csv", csl([V1[0], f"{EL},Broken Co.,,x,87 FR 9,2022-13-45,a,b", V1[1]]))
    report = importers.import_file(empty_db, path)
    assert report.added == 2 and len(report.rejects) == 1
    assert report.rejects[0].describe("el.csv") == "el.csv:3: start_date: not a date: '2022-13-45'"
    kept = queries.rejects(empty_db)
    assert kept[0]["line"] == 3 and kept[0]["field"] == "start_date"
    assert "1 rejected" in report.summary()


def test_same_file_twice_changes_nothing_and_says_so(empty_db, tmp_path):
    path = write(tmp_path / "el.csv", csl(V1))
    first = importers.import_file(empty_db, path)
    assert first.added == 3
    counts = queries.stats(empty_db)["listings"]
    again = importers.import_file(empty_db, path)
    assert again.skipped and "already imported" in again.summary()
    assert queries.stats(empty_db)["listings"] == counts


def test_newer_snapshot_adds_changes_and_removes(empty_db, tmp_path):
    importers.import_file(empty_db, write(tmp_path / "v1.csv", csl(V1)), as_of="2022-07-01")
    v2 = [
        V1[0].replace("Presumption of denial", "Policy of denial"),
        V1[1],
        f'{EL},Delta Semiconductor Ltd.,,"4 Road, Wuhan, CN",88 FR 4,2023-01-01,All items,Presumption of denial',
    ]
    report = importers.import_file(empty_db, write(tmp_path / "v2.csv", csl(v2)), as_of="2023-01-02")
    assert (report.added, report.updated, report.removed) == (1, 1, 1)
    rows = dict(empty_db.conn.execute("SELECT e.name, l.status FROM listings l JOIN entities e ON e.id = l.entity_id"))
    assert rows["Gamma Tech"] == "removed"  # kept, marked removed
    change = empty_db.conn.execute("SELECT change, fields FROM changes WHERE change = 'changed'").fetchone()
    assert change == ("changed", "license_policy")
    with pytest.raises(ImportFailed, match="older than the one in the store"):
        importers.import_file(empty_db, write(tmp_path / "old.csv", csl(V1[:1])), as_of="2022-01-01")


def test_import_is_all_or_nothing(empty_db, tmp_path, monkeypatch):
    importers.import_file(empty_db, write(tmp_path / "v1.csv", csl(V1[:1])))
    before = queries.stats(empty_db)
    calls = {"n": 0}
    real = apply.SnapshotWriter.apply

    def failing(self, rec):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ImportFailed("disk on fire")
        return real(self, rec)

    monkeypatch.setattr(apply.SnapshotWriter, "apply", failing)
    with pytest.raises(ImportFailed):
        importers.import_file(empty_db, write(tmp_path / "v2.csv", csl(V1)))
    after = queries.stats(empty_db)
    assert after["entities"] == before["entities"] and after["listings"] == before["listings"]
    assert after["imports"][-1]["status"] == "failed"


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "file is empty"),
        ("name,foo\nx,y\n", "missing column(s) source"),
        ("source,name\n\x00\x00", "NUL"),
    ],
)
def test_unusable_files_fail_with_one_line(empty_db, tmp_path, content, message):
    path = write(tmp_path / "bad.csv", content)
    with pytest.raises(ImportFailed) as exc:
        importers.import_file(empty_db, path, "csl")
    assert message in str(exc.value) and "\n" not in str(exc.value) and "bad.csv" in str(exc.value)


def test_not_utf8_names_the_line(empty_db, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + V1[0] + "\n").encode() + f"{EL},Caf\xe9 Ltd,,,1,2022-01-01,a,b\n".encode("latin-1"))
    with pytest.raises(ImportFailed, match=r"latin1.csv:3: not UTF-8"):
        importers.import_file(empty_db, path)


def test_user_data_survives_rebuild(rebuilt):
    """The star and the two-line note written before the shared rebuild (conftest.rebuilt) are on the entity after it."""
    db = connect(rebuilt["path"], readonly=True)
    record = queries.entity(db, queries.entity_id_for(db, "ofac:38641"))
    assert record and record.watchlist and record.watchlist.tags == "hk" and record.note and record.note.endswith("Check the Kowloon address")
    assert db.conn.execute("SELECT count(*) FROM imports WHERE status = 'ok' AND format != 'shipments'").fetchone()[0] == 12
    db.conn.close()


def test_ofac_sdn_legacy_file(empty_db, tmp_path):
    path = tmp_path / "sdn.csv"
    path.write_bytes(
        b'38641,"SINNO ELECTRONICS CO., LIMITED",-0- ,"RUSSIA-EO14024",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
        b"-0- ,\"Registration Number 1401029 (Hong Kong); a.k.a. 'SINNO HK'; Linked To: X LLC.\"\r\n"
        b'36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a'
    )
    report = importers.import_file(empty_db, path)
    assert report.format == "ofac-sdn" and report.added == 2 and not report.rejects
    record = queries.entity(empty_db, queries.entity_id_for(empty_db, "ofac:38641"))
    assert record and record.countries == ("HK",) and {"SINNO HK"} < {n.name for n in record.names}


def _fts_ok(conn) -> None:
    """The full-text indexes hold exactly their tables' rows (FTS5's own check), and their triggers are in place."""
    for table in ("names", "entities"):
        conn.execute(f"INSERT INTO {table}_fts ({table}_fts) VALUES ('integrity-check')")
        assert conn.execute(f"SELECT count(*) FROM {table}_fts").fetchone() == conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    triggers = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {f"{t}_{k}" for t in ("names", "entities") for k in ("ai", "ad", "au")} <= triggers


def test_the_seed_store_full_text_index_matches_its_names(seed_db_copy):
    """The seed is written in batches with the full-text indexes rebuilt once at the end: they must be whole and searchable."""
    db = connect(seed_db_copy)
    _fts_ok(db.conn)
    found = {n for (n,) in db.conn.execute("SELECT name FROM names_fts WHERE names_fts MATCH 'sinno'")}
    assert any(n.lower().startswith("sinno electronics") for n in found)
    db.conn.close()


def test_batched_and_row_by_row_writes_give_the_same_store(empty_db, seed_db_copy, tmp_path):
    """A file large beside its store is written in batches (full-text rebuilt once); a small one into a big store row by row.
    Both keep every name searchable, and a re-import of changed rows (updated in place) keeps the indexes whole."""
    big = write(tmp_path / "v1.csv", csl(V1))
    importers.import_file(empty_db, big)  # an empty store: batched, indexes rebuilt at the end
    _fts_ok(empty_db.conn)
    names = {n for (n,) in empty_db.conn.execute("SELECT name FROM names")}
    assert {"Alpha Electronics Co. Ltd.", "Alpha HK", "Beta Trading Limited", "Gamma Tech"} <= names
    changed = [V1[0].replace("Alpha HK", "Alpha Hong Kong"), V1[1], f'{EL},Delta Semi,,"4 Way, Shenzhen, CN",87 FR 4,2022-07-01,All items,Case-by-case']
    report = importers.import_file(empty_db, write(tmp_path / "v2.csv", csl(changed)), snapshot=True)
    assert (report.added, report.updated, report.removed) == (1, 1, 1)
    _fts_ok(empty_db.conn)
    assert empty_db.conn.execute("SELECT count(*) FROM names_fts WHERE names_fts MATCH '\"Alpha Hong Kong\"'").fetchone()[0] == 1
    assert empty_db.conn.execute("SELECT count(*) FROM names_fts WHERE names_fts MATCH '\"Alpha HK\"'").fetchone()[0] == 0

    db = connect(seed_db_copy)  # three rows into 30,000 entities: kept row by row
    report = importers.import_file(db, write(tmp_path / "few.csv", csl(changed)), snapshot=False, as_of="2026-01-01")
    assert report.added == 3
    _fts_ok(db.conn)
    assert db.conn.execute("SELECT count(*) FROM names_fts WHERE names_fts MATCH 'delta semi'").fetchone()[0] == 1
    db.conn.close()


def _indexes(conn) -> list[tuple]:
    return sorted(conn.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index'"))


def test_a_large_import_that_writes_no_names_leaves_the_full_text_indexes_as_they_are(empty_db, tmp_path):
    """A file large beside its store rebuilds the full-text indexes at its end only when it wrote names or records: the
    same rows imported again (a list unchanged since) skip the rebuild (2.5 s at 300,000 names), and the indexes stay
    whole; a renamed alias or record rebuilds them."""
    path = write(tmp_path / "v1.csv", KEYED + "".join(r + "\n" for r in K1))
    importers.import_file(empty_db, path, "csl", as_of="2023-06-01")
    statements: list[str] = []
    empty_db.conn.set_trace_callback(statements.append)
    again = importers.import_file(empty_db, path, "csl", as_of="2023-07-01", force=True, snapshot=True)
    assert again.unchanged == 3 and any("DROP TRIGGER" in s for s in statements)  # large: deferred
    assert not any("'rebuild'" in s for s in statements)
    _fts_ok(empty_db.conn)
    statements.clear()
    rows = list(K1)
    for n, (old, new) in enumerate((("Alpha HK", "Alpha Hong Kong"), ("Gamma Tech OOO", "Gamma Technologies OOO")), 1):
        rows = [r.replace(old, new) for r in rows]
        renamed = write(tmp_path / f"v{n + 1}.csv", KEYED + "".join(r + "\n" for r in rows))
        report = importers.import_file(empty_db, renamed, "csl", as_of=f"2023-0{n + 7}-01", snapshot=True)
        assert report.updated == 1 and sum("'rebuild'" in s for s in statements) == 2, new  # names, entities
        statements.clear()
        _fts_ok(empty_db.conn)
        found = empty_db.conn.execute("SELECT count(*) FROM names_fts WHERE names_fts MATCH ?", (f'"{new}"',)).fetchone()
        assert found == (1,), new
    assert empty_db.conn.execute("SELECT count(*) FROM entities_fts WHERE entities_fts MATCH 'technologies'").fetchone() == (1,)
    empty_db.conn.set_trace_callback(None)


def test_a_failed_batched_import_leaves_the_indexes_and_their_triggers(empty_db, tmp_path, monkeypatch):
    """A large file's import leaves some indexes to its end (made again once, as they were); one that fails leaves
    them as they were too, with the full-text index and its triggers."""
    indexes = _indexes(empty_db.conn)
    assert {"names_latn", "addresses_norm"} <= {name for name, _, _ in indexes}
    importers.import_file(empty_db, write(tmp_path / "v1.csv", csl(V1[:1])))
    assert _indexes(empty_db.conn) == indexes
    plan = " ".join(str(r) for r in empty_db.conn.execute("EXPLAIN QUERY PLAN SELECT entity_id FROM names WHERE latn = 'alpha'"))
    assert "names_latn" in plan
    real = apply.SnapshotWriter.flush

    def failing(self):
        real(self)
        raise ImportFailed("disk on fire")

    monkeypatch.setattr(apply.SnapshotWriter, "flush", failing)
    with pytest.raises(ImportFailed):
        importers.import_file(empty_db, write(tmp_path / "v2.csv", csl(V1)))
    _fts_ok(empty_db.conn)
    assert _indexes(empty_db.conn) == indexes
    assert {n for (n,) in empty_db.conn.execute("SELECT name FROM entities")} == {"Alpha Electronics Co. Ltd."}


def _tables(conn) -> dict[str, list[tuple]]:
    """What imports wrote, without row ids (the order rows were written in may differ; what they say may not)."""
    return {
        "entities": sorted(conn.execute("SELECT key, kind, name, countries, last_seen FROM entities")),
        "names": sorted(conn.execute("SELECT e.key, n.name, n.kind, n.latn FROM names n JOIN entities e ON e.id = n.entity_id")),
        "addresses": sorted(conn.execute("SELECT e.key, a.address, a.country FROM addresses a JOIN entities e ON e.id = a.entity_id")),
        "listings": sorted(conn.execute("SELECT e.key, l.list, l.status, l.license_policy FROM listings l JOIN entities e ON e.id = l.entity_id")),
        "changes": sorted(
            conn.execute("SELECT e.key, c.list, c.change, c.fields, c.detail FROM changes c JOIN entities e ON e.id = c.entity_id"),
            key=repr,
        ),
    }


SDN = "Specially Designated Nationals (SDN) - Treasury Department"
SSI = "Sectoral Sanctions Identifications List (SSI) - Treasury Department"
KEYED = "source,entity_number,type,name,alt_names,addresses,ids,programs,start_date\n"
K1 = [
    f'{SDN},9001,Entity,Alpha Electronics Co. Ltd.,Zeta Components; Alpha HK; Mu Trading,"1 Road, Shenzhen, CN",,RUSSIA-EO14024,2023-05-19',
    f'{SDN},9002,Entity,Beta Trading Limited,,"2 Street, Kowloon, HK","Registration Number, 12345678",RUSSIA-EO14024,2023-05-19',
    f'{SDN},9003,Entity,Gamma Tech OOO,,"3 Lane, Moscow, RU",,RUSSIA-EO14024,2023-05-19',
]


def test_updates_read_ahead_in_chunks_write_what_one_by_one_writes(tmp_path, monkeypatch):
    """An import reads what the store holds for a chunk of records at once. Whatever the chunk size, or with nothing
    read ahead, newer snapshots write the same store: a firm that moved (its countries follow its addresses), an alias
    renamed, an identifier and a program changed, a party removed and relisted, records on either side of a chunk's end."""
    k2 = [
        K1[0].replace('"1 Road, Shenzhen, CN"', '"8 Nathan Road, Kowloon, HK"').replace("Zeta Components; Alpha HK; Mu Trading", "Alpha Hong Kong"),
        K1[1].replace("12345678", "87654321").replace("RUSSIA-EO14024", "RUSSIA-EO14024; CYBER2"),
        f'{SDN},9004,Entity,Delta Semiconductor Ltd.,,"4 Road, Wuhan, CN",,RUSSIA-EO14024,2024-01-01',
        # one party on two lists, new: the second row finds the record the first made, written or not
        f'{SDN},9005,Entity,Epsilon Components Limited,,"6 Road, Kowloon, HK",,RUSSIA-EO14024,2024-01-01',
        f'{SSI},9005,Entity,Epsilon Components Limited,,"7 Road, Shenzhen, CN",,UKRAINE-EO13662,2024-01-01',
    ]
    # moved back, Gamma relisted, Delta's address changed, Beta now on a second list too, Epsilon's rows swapped
    k3 = [K1[0], K1[2], k2[2].replace("4 Road", "5 Road"), k2[1], k2[1].replace(SDN, SSI), k2[4].replace("6 Road", "9 Road"), k2[3]]
    stores = {}
    for label, size in (("one by one", 0), ("chunks of 1", 1), ("chunks of 2", 2), ("chunks of 500", 500), ("flushed each", 500)):
        if size:
            monkeypatch.setattr(apply.SnapshotWriter, "PREFETCH", size)
            if label == "flushed each":
                monkeypatch.setattr(apply.SnapshotWriter, "FLUSH", 1)  # each new record written before the next is applied
        else:
            monkeypatch.setattr(apply.SnapshotWriter, "prefetch", lambda self, records: None)
        db = connect(tmp_path / f"{label}.db")
        for n, rows in enumerate((K1, k2, k3, k2), 1):
            path = write(tmp_path / f"v{n}.csv", KEYED + "".join(r + "\n" for r in rows))
            importers.import_file(db, path, "csl", as_of=f"202{n}-07-01", snapshot=True)
            if n == 2:
                alpha = db.conn.execute("SELECT countries FROM entities WHERE key = 'ofac:9001'").fetchone()
                assert alpha == ("HK",), label  # moved: not "CN,HK"
        stores[label] = _tables(db.conn)
        db.conn.close()
        monkeypatch.undo()
    first = stores.pop("one by one")
    changes = {(c[0], c[2]) for c in first["changes"]}
    assert {("ofac:9003", "removed"), ("ofac:9003", "relisted"), ("ofac:9001", "changed"), ("ofac:9002", "changed")} <= changes
    assert [(key, lists) for key, _, _, lists, _ in first["entities"] if key == "ofac:9005"] == [("ofac:9005", "CN,HK")]
    renamed = [json.loads(c[4]) for c in first["changes"] if c[0] == "ofac:9001" and c[4] and "names" in c[4]]
    assert renamed[0]["names"] == {"added": ["Alpha Hong Kong"], "removed": ["Alpha HK", "Mu Trading", "Zeta Components"]}
    for label, tables in stores.items():
        assert tables == first, label


def test_no_record_of_the_file_is_held_through_resolution(empty_db, tmp_path, monkeypatch):
    """A file's records are let go once written (a 100,000-row file's are 230 MB): none is alive while it is grouped."""
    import gc

    from watchlist.store import resolve
    from watchlist.store.importers.records import ListRecord

    alive: list[int] = []
    regroup = resolve.regroup
    monkeypatch.setattr(
        resolve, "regroup", lambda conn, touched=None: alive.append(sum(isinstance(o, ListRecord) for o in gc.get_objects())) or regroup(conn, touched)
    )
    report = importers.import_file(empty_db, write(tmp_path / "v1.csv", csl(V1)))
    assert report.added == 3 and alive == [0]
