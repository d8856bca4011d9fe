"""FollowTheMoney interchange: the store exported and imported back loses nothing; OpenSanctions-style files import."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from watchlist.store import connect, importers, queries
from watchlist.tui.cli import main

TABLES = {
    "names": "SELECT e.key, n.name, n.kind FROM names n JOIN entities e ON e.id = n.entity_id",
    "addresses": "SELECT e.key, a.address, coalesce(a.country, '') FROM addresses a JOIN entities e ON e.id = a.entity_id",
    "identifiers": "SELECT e.key, i.kind, i.value FROM identifiers i JOIN entities e ON e.id = i.entity_id",
    "listings": "SELECT e.key, l.list, coalesce(l.programs, ''), coalesce(l.citation, ''), coalesce(l.start_date, ''),"
                " coalesce(l.end_date, ''), coalesce(l.license_requirement, ''), coalesce(l.license_policy, ''), l.status,"
                " coalesce(l.removed_date, ''), coalesce(l.source_url, '') FROM listings l JOIN entities e ON e.id = l.entity_id",
    "relations": "SELECT e.key, r.kind, r.detail, coalesce(t.key, '') FROM relations r JOIN entities e ON e.id = r.from_id"
                 " LEFT JOIN entities t ON t.id = r.to_id",
    "entities": "SELECT key, kind, countries FROM entities",
    "resolution": "SELECT e.key, g.key FROM resolution r JOIN entities e ON e.id = r.entity_id JOIN entities g ON g.id = r.group_id",
}


def facts(path: Path) -> dict[str, set[tuple]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    out = {name: set(conn.execute(sql)) for name, sql in TABLES.items()}
    conn.close()
    return out


def test_an_export_imports_back_with_nothing_lost(seed_db_path: Path, tmp_path: Path):
    exported = tmp_path / "store.ftm.jsonl"
    result = CliRunner().invoke(main, ["--db", str(seed_db_path), "export", "--format", "ftm", "-o", str(exported)])
    assert result.exit_code == 0, result.output
    schemas = {json.loads(line)["schema"] for line in exported.read_text(encoding="utf-8").splitlines()}
    assert {"Company", "Person", "Sanction", "Address", "Identification", "UnknownLink", "Vessel"} <= schemas
    copy = tmp_path / "roundtrip.db"
    db = connect(copy)
    report = importers.run(db, exported)
    assert report.format == "ftm" and not report.rejects
    db.conn.close()
    before, after = facts(seed_db_path), facts(copy)
    listed = {row[0] for row in before["listings"]}  # every listed record; goods/trade tables are not FollowTheMoney
    # FollowTheMoney does not say which list gave a name: a name one list calls an alias and another a former name
    # comes back as an alias (each name is still there, under its record)
    kinds: dict[tuple, set[str]] = {}
    for key, name, kind in before["names"]:
        kinds.setdefault((key, name), set()).add(kind)
    before["names"] = {(k, n, "aka" if len(kinds[(k, n)]) > 1 and "aka" in kinds[(k, n)] else kd) for k, n, kd in before["names"]}
    for table in TABLES:
        mine = {row for row in before[table] if row[0] in listed}
        assert mine == after[table], f"{table}: {len(mine - after[table])} lost, {len(after[table] - mine)} new"


def test_an_opensanctions_style_file_imports_with_listings_and_addresses(tmp_path: Path):
    """Company, Address and Sanction entities as OpenSanctions publishes them (the facts are Sinno's, from the seed)."""
    lines = [
        {"id": "NK-sinno", "schema": "Company", "datasets": ["us_bis_entity"],
         "properties": {"name": ["Sinno Electronics Co., Ltd."], "alias": ["Xinnuo Electronic Technology"], "country": ["hk", "cn"],
                        "addressEntity": ["addr-sinno-hk"], "registrationNumber": ["1401029"], "topics": ["sanction"]}},
        {"id": "addr-sinno-hk", "schema": "Address",
         "properties": {"full": ["Rm B22, 1F, Block B East Sun Industrial Centre, 16 Shing Yip Street, Kwun Tong, Kowloon, Hong Kong"],
                        "country": ["hk"]}},
        {"id": "sanction-sinno-el", "schema": "Sanction",
         "properties": {"entity": ["NK-sinno"], "authority": ["Bureau of Industry and Security"], "program": ["Entity List"],
                        "reason": ["87 FR 38925"], "startDate": ["2022-06-30"], "status": ["active"]}},
    ]
    path = tmp_path / "opensanctions.ftm.json"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    db = connect(tmp_path / "os.db")
    report = importers.run(db, path)
    assert report.format == "ftm" and report.added == 1
    record = queries.entity(db, queries.entity_id_for(db, "NK-sinno"))
    assert [(x["list"], x["citation"], x["start_date"], x["status"]) for x in record["listings"]] == [("EL", "87 FR 38925", "2022-06-30", "active")]
    assert record["addresses"][0]["country"] == "HK" and "Kwun Tong" in record["addresses"][0]["address"]
    assert ("Registration Number", "1401029") in {(i["kind"], i["value"]) for i in record["identifiers"]}
    assert {"Xinnuo Electronic Technology"} <= {n["name"] for n in record["names"]}
    db.conn.close()


def test_broken_ftm_lines_are_refused_or_rejected(tmp_path: Path):
    from watchlist.store import ImportFailed

    db = connect(tmp_path / "bad.db")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "schema": "Company", "properties": {"name": ["Ok Co"]}}\n{"id": "y", "schema": \n', encoding="utf-8")
    try:
        importers.run(db, bad, "ftm")
    except ImportFailed as exc:
        assert str(exc) == f"{bad}:2: not valid JSON (Expecting value)"
    else:
        raise AssertionError("a broken line must refuse the file")
    partial = tmp_path / "partial.jsonl"
    partial.write_text('{"id": "x", "schema": "Company", "properties": {"name": ["Ok Co"]}}\n[1, 2]\n'
                       '{"id": "z", "schema": "Company", "properties": {}}\n', encoding="utf-8")
    report = importers.run(db, partial, "ftm")
    assert report.added == 1 and [r.line for r in report.rejects] == [2, 3]
    db.conn.close()
