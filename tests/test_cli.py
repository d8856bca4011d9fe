"""The `watchlist` command as a script would use it: JSON shapes, errors on one line, exit codes."""

from __future__ import annotations

import json

from click.testing import CliRunner

from watchlist.tui.cli import main

from .conftest import write


def run(*args: str, db) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    return result.exit_code, result.stdout, result.stderr


def test_search_json_puts_both_sinno_listings_on_top(seed_db_path):
    code, out, _ = run("search", "sinno electronics", "--json", db=seed_db_path)
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"query", "elapsed_ms", "results", "facets"}
    top = data["results"][:3]
    assert {"id", "name", "matched_name", "score", "lists", "countries"} <= set(top[0])
    assert any("SDN" in h["lists"] for h in top) and any("EL" in h["lists"] and "HK" in h["countries"] for h in top)


def test_show_json_lists_aliases_addresses_and_listings(seed_db_path):
    code, out, _ = run("search", "Connec Electronic", "--json", "--country", "HK", db=seed_db_path)
    hit = json.loads(out)["results"][0]
    code, out, _ = run("show", str(hit["id"]), "--json", db=seed_db_path)
    assert code == 0
    record = json.loads(out)
    names = {n["name"] for n in record["names"]}
    assert {"Suzhou Konecot Electronics", "Suzhou Ke Nai Ke Te Dianzi Youxian Gongsi"} <= names
    assert len(record["addresses"]) >= 3 and record["listings"][0]["citation"].startswith("87 FR 38925")


def test_queries_file_gives_one_json_line_per_query(seed_db_path, tmp_path):
    queries = write(tmp_path / "q.txt", "sinno\nworld jetta\n\n[/ Co\n")
    code, out, _ = run("search", "--queries", str(queries), "--json", db=seed_db_path)
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [d["query"] for d in lines] == ["sinno", "world jetta", "[/ Co"]
    assert lines[1]["results"][0]["name"].startswith("World Jetta")


def test_stats_json(seed_db_path):
    code, out, _ = run("stats", "--json", db=seed_db_path)
    data = json.loads(out)
    assert code == 0 and data["chpl_codes"] == 50 and data["listings_by_list"]["EL"]["active"] > 3000


def test_errors_are_one_line_with_exit_1(seed_db_path, tmp_path):
    code, _, err = run("show", "no-such-key", db=seed_db_path)
    assert code == 1 and err.strip() == "watchlist: no entity 'no-such-key'"
    junk = write(tmp_path / "junk.db", "not a database at all" * 50)
    code, _, err = run("stats", db=junk)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "not a watchlist store" in err
    code, _, err = run("import", str(tmp_path / "missing.csv"), db=seed_db_path)
    assert code == 1 and "no such file" in err and "Traceback" not in err


def test_usage_error_exits_2(seed_db_path):
    code, _, _ = run("search", "--limit", "zero", db=seed_db_path)
    assert code == 2


def test_import_reports_rejects_and_reimport(seed_db_copy, tmp_path):
    path = write(tmp_path / "extra.csv", "source,name,start_date\nEntity List (EL) - Bureau of Industry and Security,,2024-01-01\n")
    code, out, err = run("import", str(path), db=seed_db_copy)
    assert code == 0 and "extra.csv:2: name: empty name" in err
    code, out, _ = run("import", str(path), db=seed_db_copy)
    assert "already imported" in out
    code, out, _ = run("rejects", db=seed_db_copy)
    assert "extra.csv:2: name: empty name" in out


def test_trade_8542_cn_ru_more_than_doubled(seed_db_path):
    out = json.loads(run("trade", "8542", "--from", "CN", "--to", "RU", "--json", db=seed_db_path)[1])
    assert out["hs"]["description"] == "Electronic integrated circuits" and out["hs"]["parents"][0]["code"] == "85"
    by_year = {f["period"]: f for f in out["figures"] if f["unit"] == "USD"}
    assert by_year["2021"]["value"] == 74e6 and by_year["2022"]["value"] == 179e6
    assert by_year["2022"]["yoy_ratio"] > 2 and by_year["2022"]["compared_to"] == "2021"
    assert all(f["source"] and f["basis"] for f in out["figures"])


def test_trade_alumina_jump_with_its_source(seed_db_path):
    text = run("trade", "2818.20", "--from", "CN", "--to", "RU", db=seed_db_path)[1]
    assert "HS 281820: Aluminium oxide" in text and "153,362 tonnes  ×675.604 on 2021-05" in text
    assert "Fastmarkets" in text and "417-fold" in text


def test_gacc_monthly_series_sums_to_the_yearly_totals(seed_db_path):
    out = json.loads(run("trade", "TOTAL", "--from", "CN", "--to", "RU", "--json", db=seed_db_path)[1])
    yearly = {(y["year"], y["months"]): y["value"] for y in out["yearly_from_monthly"] if y["unit"] == "USD"}
    assert round(yearly[("2022", 12)] / 1e9, 1) == 75.6  # data README: 2022 sums to USD 75.6 bn
    assert round(yearly[("2023", 6)] / 1e9, 3) == 52.284  # = the GACC H1-2023 figure


def test_goods_shows_tier_and_suppliers(seed_db_path):
    out = json.loads(run("goods", "8542.31", "--json", db=seed_db_path)[1])
    assert out["tier"] == "1" and [p["code"] for p in out["parents"]] == ["85", "8542"]
    sinno = next(s for s in out["suppliers"] if s["name"].startswith("Sinno Electronics Co"))
    assert sinno["lists"] == ["EL", "SDN"] and sinno["via"] == "8542"  # one row for the entity, with both its lists
    assert sum(s["name"].startswith("Sinno Electronics Co") for s in out["suppliers"]) == 1
    assert run("goods", "1234.56", db=seed_db_path)[0] == 1


def test_a_cyrillic_query_finds_the_bank_and_a_query_of_nothing_is_an_error(seed_db_path):
    found = CliRunner().invoke(main, ["--db", str(seed_db_path), "search", "ПАО Сбербанк", "--json"])
    assert found.exit_code == 0
    names = [h["name"] for h in json.loads(found.stdout)["results"][:3]]
    assert any("SBERBANK" in n for n in names), names
    nothing = CliRunner().invoke(main, ["--db", str(seed_db_path), "search", "!!! ???"])
    assert nothing.exit_code == 1 and "nothing in the query can be matched" in nothing.output and "no match" not in nothing.stdout


def test_a_search_export_cites_its_sources(seed_db_path):
    code, out, _ = run("export", "--format", "json", "--query", "sinno electronics", "--limit", "3", db=seed_db_path)
    assert code == 0
    data = json.loads(out)
    files = {s["file"] for s in data["sources"]}
    assert "entity_list_2025-11-08.csv.gz" in files and all(s["name"] and s["as_of"] for s in data["sources"])


def test_a_broad_search_says_more_may_match_and_its_export_has_every_entity(seed_db_path):
    """A query of "bank" matches more entities than the likeliest 400 names hold: the search says so (JSON ``more``, a line on
    stderr), and ``export --query`` scores every name its words reach, so the file has them all."""
    import csv
    import io
    import sqlite3

    from watchlist.store.index_file import open_index

    code, out, _ = run("search", "bank", "--json", "--limit", "5", db=seed_db_path)
    assert code == 0 and json.loads(out)["more"] is True
    code, _, err = run("search", "bank", "--limit", "5", db=seed_db_path)
    assert code == 0 and "+ entities match" in err
    code, out, _ = run("search", "sinno electronics", "--json", db=seed_db_path)
    assert json.loads(out)["more"] is False
    conn = sqlite3.connect(seed_db_path)
    index = open_index(conn)
    likeliest = index.search("bank", limit=10_000, min_score=70)
    every = index.search("bank", limit=10_000, min_score=70, complete=True)
    conn.close()
    assert likeliest.more and not every.more
    assert {h.entity_id for h in likeliest.hits} < {h.entity_id for h in every.hits}  # 131 and 166 on this seed
    code, out, err = run("export", "--format", "csv", "--query", "bank", db=seed_db_path)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == every.total > likeliest.total


def test_a_bis_address_entry_says_it_is_an_address_not_a_firm(seed_db_path):
    code, out, _ = run("show", "el:address 01:HK", "--json", db=seed_db_path)
    assert code == 0
    record = json.loads(out)
    assert record["kind"] == "other" and "not a firm" in (record["remarks"] or "")
    assert record["listings"][0]["citation"].startswith("89 FR 51653")
