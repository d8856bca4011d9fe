"""Shipment and trade-statistics imports on the seeded store: rejects, --map, links and their review."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from watchlist.store import ImportFailed, connect, importers, links
from watchlist.tui.cli import main

from .conftest import SHIPMENTS, write
from .pilot import settle


def run(db, *args):
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    return result.exit_code, result.stdout, result.stderr


def test_bad_rows_are_rejected_with_line_and_field_and_the_rest_goes_in(seed_db_copy, tmp_path):
    db = connect(seed_db_copy)
    report = importers.import_file(db, write(tmp_path / "ship.csv", SHIPMENTS))
    assert report.format == "shipments" and report.added == 4
    assert [(r.line, r.field) for r in report.rejects] == [(6, "date"), (7, "exporter"), (8, "hs_code"), (9, "value")]
    assert "negative" in report.rejects[-1].error and "9999.98" in report.rejects[-2].error
    stored = db.conn.execute("SELECT hs_code, exporter_country, importer_country, weight_kg FROM shipments ORDER BY line").fetchall()
    assert stored[0] == ("854231", "HK", "RU", 2.5) and stored[1][3] is None
    assert db.conn.execute("SELECT count(*) FROM rejects WHERE import_id = ?", (report.import_id,)).fetchone()[0] == 4


def test_map_renames_other_headers(seed_db_copy, tmp_path):
    text = SHIPMENTS.splitlines()
    text[0] = "ship_date,shipper,shipper_country,consignee,consignee_country,hs,description,usd,qty,kg"
    path = write(tmp_path / "other.csv", "\n".join(text[:3]) + "\n")
    code, out, err = run(
        seed_db_copy,
        "import",
        str(path),
        "--format",
        "shipments",
        "--map",
        "ship_date=date,shipper=exporter,shipper_country=exporter_country,consignee=importer,"
        "consignee_country=importer_country,hs=hs_code,description=goods_description,usd=value,"
        "qty=quantity,kg=weight",
    )
    assert code == 0 and "2 added" in out, err
    code, _, err = run(seed_db_copy, "import", str(path), "--format", "shipments", "--map", "nonsense")
    assert code == 1 and "THEIR_COLUMN=OUR_COLUMN" in err
    bad = write(tmp_path / "bad.csv", "when,who\n2022-01-01,x\n")
    with pytest.raises(ImportFailed, match=r"bad\.csv"):
        importers.import_file(connect(seed_db_copy), bad, "shipments")


def test_exact_parties_link_and_fuzzy_ones_are_proposed_for_review(seed_db_copy, tmp_path):
    db = connect(seed_db_copy)
    importers.import_file(db, write(tmp_path / "ship.csv", SHIPMENTS))
    counts = links.propose(db)
    assert counts["exact"] >= 1 and counts["proposed"] >= 1
    found = links.listing(db)
    exact = [r for r in found if r.party_key == "sinno elec co ltd|HK"]  # both spellings of the exporter
    assert exact and all(r.status == "linked" and r.method == "exact" for r in exact)
    assert {r.entity_key for r in exact} == {"el:sinno elec co ltd:CN,HK", "ofac:38641"}  # the EL and SDN entries
    fuzzy = next(r for r in found if r.party_name == "World Jeta HK Logistics Ltd")
    assert fuzzy.status == "proposed" and fuzzy.entity_name.startswith("World Jetta")
    assert links.propose(db)["parties"] == 0  # parties are looked at once
    shipped = links.shipments_of(db, exact[0].entity_id)
    assert shipped.count == 3 and {r["hs_code"] for r in shipped.by_hs} == {"854231", "854232", "854239"}
    assert shipped.total_value == 25000
    assert shipped.by_counterparty[0]["counterparty"] == "Test Importer LLC"
    from watchlist.store import hs

    via_shipments = [r for r in hs.suppliers(db, "851762") if r["source"] == "shipments"]
    assert not via_shipments  # only proposed so far: not a supplier yet
    code, out, _ = run(seed_db_copy, "links", "confirm", str(fuzzy.id))
    assert code == 0 and "confirmed" in out
    via_shipments = [r for r in hs.suppliers(db, "851762") if r["source"] == "shipments"]
    assert [r["name"] for r in via_shipments] == [fuzzy.entity_name] and via_shipments[0]["goods"].startswith("1 shipments")
    sinno = {r["name"] for r in hs.suppliers(db, "854239") if r["source"] == "shipments"}
    assert "Sinno Electronics Co., Ltd.," in sinno  # exact links count without review
    assert links.shipments_of(db, fuzzy.entity_id).count == 1


def test_link_decisions_survive_a_rebuild(rebuilt: dict):
    """A link confirmed before the shared rebuild (conftest.rebuilt) is still confirmed once the shipments are back."""
    code, out, _ = run(rebuilt["path"], "links", "list", "--status", "confirmed", "--json")
    assert code == 0 and [r["party_name"] for r in json.loads(out)] == ["World Jeta HK Logistics Ltd"]


def test_trade_csv_with_year_and_month_periods(seed_db_copy, tmp_path):
    path = write(
        tmp_path / "stats.csv",
        "reporter,partner,flow,hs_code,period,value,unit\n"
        "China,Russia,X,8542,2023,1000,USD\nCN,RU,export,8542,2023-13,5,USD\n"
        "CN,RU,sideways,8542,2023,5,USD\n",
    )
    report = importers.import_file(connect(seed_db_copy), path)
    assert report.format == "trade-csv" and report.added == 1
    assert [(r.line, r.field) for r in report.rejects] == [(3, "period"), (4, "flow")]
    code, out, _ = run(seed_db_copy, "trade", "8542", "--from", "CN", "--to", "RU", "--json")
    assert code == 0
    figure = next(f for f in json.loads(out)["figures"] if f["period"] == "2023")
    assert figure["value"] == 1000 and figure["yoy_ratio"] == round(1000 / 179e6, 3)


def test_review_links_in_the_app_and_see_shipments_on_the_entity(seed_db_copy, tmp_path):
    import asyncio

    from textual.widgets import DataTable, Static

    from watchlist.tui.app import WatchlistApp
    from watchlist.tui.screens.entity import EntityScreen
    from watchlist.tui.screens.links import LinksScreen

    db = connect(seed_db_copy)
    importers.import_file(db, write(tmp_path / "ship.csv", SHIPMENTS))
    links.propose(db)
    db.conn.close()

    async def scenario():
        app = WatchlistApp(seed_db_copy)
        async with app.run_test(size=(150, 42)) as pilot:
            await settle(app, pilot)
            await pilot.press("down", "L")
            await settle(app, pilot)
            assert isinstance(app.screen, LinksScreen)
            table = app.screen.query_one("#links", DataTable)
            first = [str(c) for c in table.get_row_at(0)]
            assert first[0] == "proposed" and first[2] == "World Jeta HK Logistics Ltd"
            await pilot.press("y")
            await settle(app, pilot)
            assert str(table.get_row_at(0)[0]) == "confirmed"
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, EntityScreen)
            assert "Shipments      1 linked, value 700" in str(app.screen.query_one("#overview-text", Static).render())
            await pilot.press("6")  # Goods: categories from the confirmed shipments too
            await settle(app, pilot)
            goods = app.screen.query_one("#t-goods", DataTable)
            assert any(str(goods.get_row_at(i)[0]) == "8517.62" and "1 shipments" in str(goods.get_row_at(i)[3]) for i in range(goods.row_count))
            await pilot.press("7")  # Trade
            await settle(app, pilot)
            shipments = app.screen.query_one("#t-shipments", DataTable)
            rows = [[str(c) for c in shipments.get_row_at(i)] for i in range(shipments.row_count)]
            assert rows[0][:2] == ["HS", "8517.62"] and rows[-1][0] == "total"

    asyncio.run(scenario())
    assert links.listing(connect(seed_db_copy), "confirmed")[0].party_name == "World Jeta HK Logistics Ltd"
