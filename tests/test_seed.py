"""The seed store agrees with the data READMEs, and the two firms of the story are where they should be."""

from pathlib import Path

from watchlist.store import queries
from watchlist.store.index_file import open_index


def _imports(stats):
    return {Path(i["file"]).name: i for i in stats["imports"]}


def test_stats_match_the_data_readmes(seed_db):
    stats = queries.stats(seed_db)
    imports = _imports(stats)
    # row counts stated in shared/data/README.md and goods/README.md
    assert imports["consolidated_2022-04.csv.gz"]["rows"] == 14_160
    assert imports["entity_list_2025-11-08.csv.gz"]["rows"] == 3_421
    assert imports["sdn_2024-05-03.csv.gz"]["rows"] == 14_965
    assert imports["ofac_nonsdn_2025-12"]["rows"] == 442
    assert imports["hs2022_nomenclature.csv"]["rows"] == 6_940
    assert stats["hs_codes"] == {2: 97, 4: 1_229, 6: 5_613}
    assert stats["hs_sections"] == 21
    assert stats["chpl_codes"] == 50
    assert stats["chpl_by_tier"] == {"1": 4, "2": 5, "3.A": 16, "3.B": 9, "4.A": 11, "4.B": 5}
    assert all(i["status"] == "ok" and i["rejected"] == 0 for i in stats["imports"])
    # the whole SDN list of 2024-05-03 is active; 2022 SDN entries missing from it are removed, not deleted
    assert stats["listings_by_list"]["SDN"]["active"] == 14_965
    assert stats["listings_by_list"]["SDN"]["removed"] > 0
    # BIS repeats a firm once per address: listings ≤ rows, never more
    el = stats["listings_by_list"]["EL"]
    assert 3_300 <= el["active"] <= 3_421
    assert stats["trade_flows"] > 3_000


def test_sinno_is_on_the_entity_list_and_the_sdn_list(seed_db):
    """One entity carries both listings (resolved across lists); the Vilnius "Sinno Electronics" stays apart."""
    index = open_index(seed_db.conn)
    hits = index.search("sinno electronics ", limit=5).hits
    both = [h for h in hits[:3] if {"EL", "SDN"} <= set(h.lists)]
    assert len(both) == 1 and {"ofac:38641", "el:sinno elec co ltd:CN,HK"} <= set(both[0].records)
    assert any(h.countries == ["LT"] and h.lists == ["EL"] for h in hits[:3])
    record = queries.entity(seed_db, both[0].entity_id)
    assert record is not None
    el = next(x for x in record.listings if x.list == "EL")
    assert "87 FR 38925" in (el.citation or "") and el.start_date == "2022-06-30"
    sdn = next(x for x in record.listings if x.list == "SDN")
    assert "RUSSIA-EO14024" in (sdn.programs or "") and sdn.record == "ofac:38641"
    assert {("Sinno Electronics Co., Ltd.,", "EL"), ("Xinnuo Electronic Technology", "EL"), ("SINNO ELECTRONICS CO., LIMITED", "SDN")} <= {
        (n.name, n.list) for n in record.names
    }
    assert any("Kowloon" in a.address and a.country == "HK" for a in record.addresses)
    assert sum(g.hs_code == "8542" for g in record.goods) == 1
    assert {r.key for r in record.records} == {"ofac:38641", "el:sinno elec co ltd:CN,HK"}
    assert getattr(queries.entity(seed_db, queries.entity_id_for(seed_db, "ofac:38641") or 0), "id", None) == record.id
    assert ("Registration Number", "1401029", "HK") in {(i.kind, i.value, i.country) for i in record.identifiers}
    assert record.relations[0].detail == "RADIOAVTOMATIKA LLC"


def test_entity_list_2025_updates_the_2022_rows(seed_db):
    conn = seed_db.conn
    # Poly Technologies Inc. is in both EL snapshots: one entity, one EL listing, plus State's ISN listing
    rows = conn.execute(
        "SELECT e.id, l.list, l.status FROM entities e JOIN listings l ON l.entity_id = e.id WHERE e.name LIKE 'Poly Technologies%'"
    ).fetchall()
    assert sorted((r[1], r[2]) for r in rows) == [("EL", "active"), ("ISN", "active")]
    # the June 2022 firms were added by the 2025 snapshot
    added = {
        r[0]
        for r in conn.execute(
            "SELECT e.name FROM changes c JOIN entities e ON e.id = c.entity_id JOIN imports i ON i.id = c.import_id"
            " WHERE i.file LIKE '%entity_list_2025%' AND c.change = 'added'"
        )
    }
    for name in (
        "Connec Electronic Ltd.",
        "Winninc Electronic",
        "World Jetta (H.K.) Logistics Limited",
        "King Pai Technology Co., Ltd.",
        "Sinno Electronics Co., Ltd.,",
    ):
        assert name in added


def test_hs_codes_keep_leading_zeros(seed_db):
    row = seed_db.conn.execute("SELECT code, parent FROM hs_codes WHERE code = '010121'").fetchone()
    assert row == ("010121", "0101")
