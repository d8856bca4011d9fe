"""The EU Financial Sanctions Files and the UK Sanctions List, XML as published: each list's own listing facts, merged
with the same parties on the UN and US lists."""

from __future__ import annotations

from pathlib import Path

from watchlist.store import connect, importers, queries
from watchlist.store.importers import eu, uk

DATA = Path(__file__).parent / "data"
EU, UK = DATA / "eu" / "eu_fsf_sample.xml", DATA / "uk" / "uk_sanctions_list_sample.xml"


def test_an_eu_entry_keeps_regime_act_date_reasons_names_and_facts():
    assert importers.detect(EU) == "eu-xml" and eu.generated(EU) == "2026-02-27"
    records = {r.key: r for r in eu.read_eu(EU) if isinstance(r, importers.ListRecord)}
    arkady = records["eu:EU.TEST.1"]
    assert (arkady.list, arkady.kind, arkady.programs, arkady.start_date) == ("EU", "person", "UKR", "2014-07-30")
    assert arkady.citation == "EU.TEST.1; 826/2014 (OJ L226)" and arkady.source_url.endswith("CELEX:32014R0826")
    assert ("Аркадий Романович Ротенберг", "aka") in arkady.aliases and ("Arkadii Rotenberg", "weak") in arkady.aliases
    assert {("birth_date", "1951-12-15"), ("nationality", "RU"), ("gender", "male")} <= set(arkady.facts)
    assert "judo" in arkady.remarks
    leader = records["eu:EU.TEST.3"]
    assert leader.kind == "company" and leader.addresses[0][1] == "HK" and ("UN Reference Number", "KPe.017", None) in leader.identifiers
    assert ("Registration Number", "1177053", "HK") in leader.identifiers and "KOMID" in leader.remarks


def test_a_uk_designation_keeps_regime_date_reasons_and_sanctions_imposed():
    assert importers.detect(UK) == "uk-xml" and uk.generated(UK) == "2026-02-27"
    records = {r.key: r for r in uk.read_uk(UK) if isinstance(r, importers.ListRecord)}
    boris = records["uk:TEST-RUS-1"]
    assert (boris.name, boris.kind, boris.programs, boris.start_date) == ("Boris Romanovich ROTENBERG", "person", "Russia", "2022-02-22")
    assert {("birth_date", "1957-01-03"), ("nationality", "RU"), ("nationality", "FI")} <= set(boris.facts)
    assert ("Борис Романович Ротенберг", "aka") in boris.aliases and "Asset freeze, Travel Ban" in boris.remarks
    bank = records["uk:TEST-RUS-2"]
    assert ("JSC AB ROSSIYA", "aka") in bank.aliases and bank.addresses[0][1] == "RU"
    assert ("Business Registration Number", "1027800000084", None) in bank.identifiers and ("Website", "www.abr.ru", None) in bank.identifiers
    assert uk.uk_date("dd/mm/1952") == "" and uk.uk_date("03/01/1957") == "1957-01-03"


def test_the_same_parties_on_un_us_eu_and_uk_lists_are_one_entity_each(seed_db_copy: Path):
    db = connect(seed_db_copy)
    for path in (EU, UK):
        report = importers.import_file(db, path)
        assert not report.rejects and report.added == 3
    leader = queries.entity(db, queries.entity_id_for(db, "un:690768") or 0)
    assert leader is not None and {"UN", "SDN", "EU", "UK"} <= {x.list for x in leader.listings}
    eu_listing = next(x for x in leader.listings if x.list == "EU")
    assert eu_listing.programs == "PRK" and eu_listing.start_date == "2013-01-22" and "2017/1509" in (eu_listing.citation or "")
    bank = queries.entity(db, queries.entity_id_for(db, "uk:TEST-RUS-2") or 0)
    assert bank is not None and {"SDN", "UK"} <= {x.list for x in bank.listings}  # the same registration number as OFAC's
    db.conn.close()
