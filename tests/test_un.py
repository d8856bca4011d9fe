"""The UN Security Council Consolidated List: read as published, in the seed, merged with the same firm on US lists."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from watchlist.store import ImportFailed, connect, importers, queries
from watchlist.store.importers import un
from watchlist.tui.cli import main

SAMPLE = Path(__file__).parent / "data" / "un" / "un_sample.xml"


def test_a_un_record_keeps_its_regime_reference_date_aliases_and_hk_address():
    records = {r.key: r for r in un.read_un(SAMPLE) if not isinstance(r, importers.Reject)}
    leader = records["un:690768"]
    assert (leader.list, leader.kind, leader.programs, leader.citation, leader.start_date) == ("UN", "company", "DPRK", "KPe.017", "2013-01-22")
    assert ("Leader (Hong Kong) International Trading Limited", "aka") in leader.aliases
    assert leader.addresses[0][1] == "HK" and "Hennessy Road" in leader.addresses[0][0]  # "China, Hong Kong Special Administrative Region"
    assert ("Registration Number", "1177053", "HK") in leader.identifiers  # from the narrative
    person = next(r for r in records.values() if r.kind == "person" and r.identifiers)
    assert any(kind == "birth_date" for kind, _ in person.facts) or person.facts
    assert un.generated(SAMPLE) == "2026-02-27"
    assert importers.detect(SAMPLE) == "un-xml"


def test_search_shows_the_un_listing_and_one_entity_with_the_sdn_listing(seed_db_path: Path):
    out = CliRunner().invoke(main, ["--db", str(seed_db_path), "search", "LEADER (HONG KONG) INTERNATIONAL", "--json"]).output
    top = json.loads(out)["results"][0]
    assert {"UN", "SDN"} <= set(top["lists"]) and {"un:690768", "ofac:15616"} <= set(top["records"])
    text = CliRunner().invoke(main, ["--db", str(seed_db_path), "search", "LEADER (HONG KONG) INTERNATIONAL"]).output
    assert "UN: DPRK · KPe.017 · listed 2013-01-22" in text.splitlines()[1]  # the UN listing, under the top hit
    shown = CliRunner().invoke(main, ["--db", str(seed_db_path), "show", "un:690768"]).output
    assert "KPe.017" in shown and "DPRK" in shown and "2013-01-22" in shown and "UN Security Council" in shown
    db = connect(seed_db_path, readonly=True)
    entity = queries.entity(db, queries.entity_id_for(db, "un:690768") or 0)
    assert entity is not None and {x.list for x in entity.listings} >= {"UN", "SDN"}
    assert db.conn.execute("SELECT count(*) FROM listings WHERE list = 'UN'").fetchone()[0] == 1003
    db.conn.close()


def test_a_newer_un_list_reports_what_left_and_a_broken_one_is_one_line(empty_db, tmp_path: Path):
    importers.import_file(empty_db, SAMPLE)
    text = SAMPLE.read_text(encoding="utf-8")
    start = text.index("    <ENTITY>\n      <DATAID>690768</DATAID>")
    newer = text[:start] + text[text.index("</ENTITY>", start) + len("</ENTITY>\n") :]
    newer = newer.replace('dateGenerated="2026-02-27', 'dateGenerated="2026-03-06')
    later = tmp_path / "un-2026-03-06.xml"
    later.write_text(newer, encoding="utf-8")
    report = importers.import_file(empty_db, later, snapshot=True)
    assert report.removed == 1 and report.added == 0
    assert empty_db.conn.execute("SELECT l.status FROM listings l JOIN entities e ON e.id = l.entity_id WHERE e.key = 'un:690768'").fetchone() == (
        "removed",
    )
    broken = tmp_path / "broken.xml"
    broken.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        importers.import_file(empty_db, broken, "un-xml")
    assert str(failed.value).startswith(f"{broken}:") and "\n" not in str(failed.value)
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">]><CONSOLIDATED_LIST>&a;</CONSOLIDATED_LIST>', encoding="utf-8")
    with pytest.raises(ImportFailed, match="DOCTYPE"):
        importers.import_file(empty_db, bomb, "un-xml")


def test_a_record_without_a_name_is_a_rejected_row_not_a_failed_file(empty_db, tmp_path: Path):
    path = tmp_path / "un.xml"
    shutil.copy(SAMPLE, path)
    text = path.read_text(encoding="utf-8").replace("<FIRST_NAME>LEADER (HONG KONG) INTERNATIONAL</FIRST_NAME>", "<FIRST_NAME/>")
    path.write_text(text, encoding="utf-8")
    report = importers.import_file(empty_db, path)
    assert [(r.field, r.error) for r in report.rejects] == [("FIRST_NAME", "missing")] and report.added == 4
    assert report.rejects[0].describe(str(path)).startswith(f"{path}:")
