"""OFAC's Enhanced XML (the Consolidated list as OFAC's Sanctions List Service publishes it): lists, documents, features
and relationships that the legacy CSV files drop, on the same records as the legacy files."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchlist.store import ImportFailed, connect, importers, queries
from watchlist.store.importers import ofac_xml

ZIP = Path(__file__).parent / "data" / "ofac" / "CONS_ENHANCED_2025-01-10.ZIP"


def test_the_enhanced_xml_is_read_from_its_zip_with_every_list_and_date():
    assert importers.detect(ZIP) == "ofac-xml" and ofac_xml.as_of(ZIP) == "2025-01-10"
    records = [r for r in ofac_xml.read_ofac_xml(ZIP) if isinstance(r, importers.ListRecord)]
    assert len({r.key for r in records}) == 443
    by_list: dict[str, int] = {}
    for r in records:
        by_list[r.list] = by_list.get(r.list, 0) + 1
    assert by_list == {"SSI": 286, "PLC": 78, "SDN": 77, "CMIC": 68, "MBS": 12, "CAP": 1, "FSE": 1}
    haniya = next(r for r in records if r.key == "ofac:9639")
    assert (haniya.kind, haniya.list, haniya.start_date) == ("person", "PLC", "2006-04-12") and ("birth_place", "Shati") in haniya.facts


def test_relationships_documents_and_features_land_on_the_legacy_records(seed_db_copy: Path):
    db = connect(seed_db_copy)
    keys_before = db.conn.execute("SELECT count(*) FROM entities WHERE key LIKE 'ofac:%'").fetchone()[0]
    report = importers.import_file(db, ZIP, force=True, snapshot=False)  # older than the seed's non-SDN CSVs: forced, part
    assert not report.rejects and report.rows_read == 523
    # the same parties as the legacy CSV files: keyed by OFAC's number, so no second record of them
    assert db.conn.execute("SELECT count(*) FROM entities WHERE key LIKE 'ofac:%'").fetchone()[0] == keys_before and report.added < 30
    bm = queries.entity(db, queries.entity_id_for(db, "ofac:17017") or 0)  # BM BANK JSC
    assert bm is not None and {"SDN", "SSI"} <= {x.list for x in bm.listings}
    assert ("owned by", "out") in {(r.kind, r.direction) for r in bm.relations if (r.entity_name or "").startswith("VTB BANK")}
    assert ("SWIFT/BIC", "MOSWRUMM") in {(i.kind, i.value) for i in bm.identifiers}
    assert ("Registration ID", "1027700159497", "RU") in {(i.kind, i.value, i.country) for i in bm.identifiers}
    vtb = queries.entity(db, queries.entity_id_for(db, "ofac:17013") or 0)
    owned = [r.entity_name for r in vtb.relations if r.kind == "owner of"] if vtb else []
    assert "BM BANK JSC" in owned and len(owned) == len(set(owned))  # seen from the owner, once each
    db.conn.close()


def test_a_damaged_zip_is_one_line_and_changes_nothing(empty_db, tmp_path: Path):
    data = ZIP.read_bytes()
    for where in (len(data) // 3, len(data) // 2, len(data) - 200):  # inside the deflated XML, and in the zip's directory
        bad = tmp_path / f"damaged-{where}.zip"
        bad.write_bytes(data[:where] + bytes([data[where] ^ 0xFF]) + data[where + 1 :])
        before = empty_db.conn.execute("SELECT count(*) FROM entities").fetchone()[0]
        with pytest.raises(ImportFailed) as failed:
            importers.import_file(empty_db, bad, "ofac-xml")
        assert str(failed.value).startswith(f"{bad}:") and "\n" not in str(failed.value)
        assert empty_db.conn.execute("SELECT count(*) FROM entities").fetchone()[0] == before
