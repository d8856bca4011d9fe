"""The store opens in Datasette: full-text search set up as sqlite-utils does it, and a metadata.json."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from watchlist.store import connect, importers
from watchlist.tui.cli import main


def test_full_text_search_finds_names_and_follows_imports(seed_db, tmp_path: Path):
    assert seed_db["names"].detect_fts() == "names_fts" and seed_db["entities"].detect_fts() == "entities_fts"
    found = {n for (n,) in seed_db.conn.execute("SELECT name FROM names WHERE rowid IN (SELECT rowid FROM names_fts WHERE names_fts MATCH 'sinno')")}
    assert {"Sinno Electronics Co., Ltd.,", "SINNO ELECTRONICS CO., LIMITED"} <= found
    hits = [r["name"] for r in seed_db["entities"].search("poly technologies", limit=5)]  # sqlite-utils' own FTS search
    assert any(h.startswith("Poly Technologies") for h in hits)
    db = connect(tmp_path / "fresh.db")  # triggers keep it current as imports write
    csv = tmp_path / "one.csv"
    csv.write_text(
        "source,name,addresses,federal_register_notice,start_date\n"
        'Entity List (EL) - Bureau of Industry and Security,Winninc Electronic,"Hong Kong, HK",87 FR 38925,2022-06-30\n',
        encoding="utf-8",
    )
    importers.import_file(db, csv)
    assert db.conn.execute("SELECT count(*) FROM names_fts WHERE names_fts MATCH 'winninc'").fetchone()[0] == 1
    db.conn.close()


def test_metadata_describes_tables_and_sources(seed_db_path: Path, tmp_path: Path):
    out = tmp_path / "metadata.json"
    result = CliRunner().invoke(main, ["--db", str(seed_db_path), "datasette-metadata", "-o", str(out)])
    assert result.exit_code == 0, result.output
    meta = json.loads(out.read_text(encoding="utf-8"))
    tables = meta["databases"][seed_db_path.stem]["tables"]
    assert {"entities", "names", "listings", "changes", "resolution", "sources"} <= set(tables)
    assert "bis.doc.gov" in meta["description_html"] and "Consolidated Screening List" in meta["description_html"]
