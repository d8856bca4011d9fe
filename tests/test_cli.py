"""The `watchlist` command as a script would use it: JSON shapes, errors on one line, exit codes."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tui.cli import main

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
    path = write(tmp_path / "extra.csv", "source,name,start_date\n"
                 "Entity List (EL) - Bureau of Industry and Security,,2024-01-01\n")
    code, out, err = run("import", str(path), db=seed_db_copy)
    assert code == 0 and "extra.csv:2: name: empty name" in err
    code, out, _ = run("import", str(path), db=seed_db_copy)
    assert "already imported" in out
    code, out, _ = run("rejects", db=seed_db_copy)
    assert "extra.csv:2: name: empty name" in out
