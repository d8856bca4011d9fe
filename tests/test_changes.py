"""What changed between list snapshots, from the real seed (2022-04 CSL, then the 2025-11 Entity List)."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

from click.testing import CliRunner

from watchlist.store import changes, connect, importers, queries, resolve, userdata
from watchlist.tui.cli import main

SEED = Path(__file__).resolve().parent.parent / "seed"
ADDED_IN_JUNE_2022 = ["Connec Electronic", "Sinno Electronics", "Winninc Electronic", "World Jetta (H.K.) Logistics", "King Pai Technology"]


def test_changes_cli_reports_the_entity_list_between_snapshots(seed_db_path: Path):
    out = CliRunner().invoke(main, ["--db", str(seed_db_path), "changes", "--list", "Entity List", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["list"] == "EL" and data["count"] == len(data["changes"])
    found = data["changes"]
    assert {c["list"] for c in found} == {"EL"} and not any(c["baseline"] for c in found)
    for firm in ADDED_IN_JUNE_2022:
        hits = [c for c in found if c["name"].startswith(firm)]
        assert hits and all(c["change"] == "added" and "87 FR 38925" in c["citation"] for c in hits), firm
    kinds = {c["change"] for c in found}
    assert {"added", "changed", "removed"} <= kinds
    amended = [c for c in found if c["change"] == "changed" and "citation" in c["fields"]]
    assert amended and all(len(c["detail"]["citation"]) == 2 for c in amended)  # before and after
    assert any(c["detail"]["citation"][1].startswith(c["detail"]["citation"][0]) for c in amended)  # a new rule appended


def test_changes_cli_filters_and_explains(seed_db_path: Path):
    runner = CliRunner()
    db = ["--db", str(seed_db_path)]
    removed = json.loads(runner.invoke(main, [*db, "changes", "--list", "EL", "--change", "removed", "--json"]).output)
    assert removed["count"] > 10 and {c["change"] for c in removed["changes"]} == {"removed"}
    later = json.loads(runner.invoke(main, [*db, "changes", "--since", "2025-12-01", "--json"]).output)
    assert later["count"] and all(c["as_of"] >= "2025-12-01" for c in later["changes"])
    text = runner.invoke(main, [*db, "changes", "--list", "entity list", "--change", "changed", "--limit", "3"]).output
    assert "Entity List (BIS): +" in text and "→" in text
    bad = runner.invoke(main, [*db, "changes", "--list", "No Such List"])
    assert bad.exit_code == 2 and "--list 'No Such List': no such list" in bad.output  # a malformed argument
    bad = runner.invoke(main, [*db, "changes", "--since", "last week"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def test_list_names_resolve_to_codes():
    assert changes.list_code("Entity List") == "EL"
    assert changes.list_code("sdn") == "SDN"
    assert changes.list_code("Nonproliferation") == "ISN"
    assert changes.list_code("List") is None  # ambiguous


def test_entity_history_shows_listed_amended_removed_with_citations(seed_db):
    eid = queries.entity_id_for(seed_db, "el:poly tech inc:CN")
    entity = queries.entity(seed_db, eid)
    assert entity is not None
    history = entity.changes
    assert history[-1].baseline and history[-1].change == "added"  # first listed (2022-04 snapshot); newest first
    assert {c.list for c in history} >= {"EL"}
    removed = changes.changes(seed_db, "EL", kind="removed", limit=1)[0]
    record = queries.entity(seed_db, removed.entity_id)
    assert record is not None
    assert any(c.change == "removed" and c.list == "EL" for c in record.changes)
    assert any(x.list == "EL" and x.status == "removed" and x.removed_date == "2025-11-08" for x in record.listings)


def _newer_entity_list(tmp_path: Path) -> Path:
    """The real 2025-11 Entity List with King Pai gone and one license policy rewritten: a later snapshot."""
    with gzip.open(SEED / "entity_list_2025-11-08.csv.gz", "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    kept = [r for r in rows if not r["name"].startswith("King Pai")]
    target = next(r for r in kept if r["name"].startswith("Winninc"))
    target["license_policy"] = "Presumption of denial (amended in this test snapshot)"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(kept)
    path = tmp_path / "entity_list_2026-01.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as f:
        f.write(out.getvalue())
    return path


def test_a_newer_snapshot_reports_its_changes_and_keeps_user_data(seed_db_copy: Path, tmp_path: Path):
    db = connect(seed_db_copy)
    king_pai = next(c for c in changes.changes(db, "EL") if c.name.startswith("King Pai"))
    userdata.star(db, king_pai.key, "watch")
    db.conn.execute("UPDATE user_watchlist SET starred_at = '2025-12-01T09:00:00'")  # starred before the new snapshot
    userdata.set_note(db, king_pai.key, "Check the 2026 list")
    candidate = resolve.candidates(db)[0]
    resolve.decide(db, candidate.a_key, candidate.b_key, resolve.DIFFERENT)
    report = importers.import_file(db, _newer_entity_list(tmp_path), as_of="2026-01-15")
    assert report.removed == 1 and report.updated >= 1
    latest = changes.changes(db, "EL", since="2026-01-15")
    assert next(c.name for c in latest if c.change == "removed").startswith("King Pai")
    amended = next(c for c in latest if c.change == "changed" and c.name.startswith("Winninc"))
    assert amended.fields == ("license_policy",) and amended.detail["license_policy"][1].endswith("test snapshot)")
    starred = userdata.watchlist(db)
    assert starred[0]["tags"] == "watch" and starred[0]["note"] == "Check the 2026 list"
    assert [c.change for c in starred[0]["changes"]] == ["removed"]  # what changed since the star
    ids = dict(db.conn.execute("SELECT key, id FROM entities"))
    assert resolve.group_of(db.conn, ids[candidate.a_key]) != resolve.group_of(db.conn, ids[candidate.b_key])
    db.conn.close()


def test_whats_new_filters_are_typed_and_counted_by_their_rows(seed_db):
    from collections import Counter

    from watchlist.store.changes import facets, parse_filter, summary, wanted

    rows = changes.changes(seed_db)
    lists = {c.list for c in rows}
    el_added = [c for c in rows if wanted(c, parse_filter("EL added", lists))]
    assert len(el_added) == 1424 and all(c.list == "EL" and c.change == "added" for c in el_added)  # not "MARTELLY … MBS"
    china = [c for c in el_added if wanted(c, parse_filter("country:CN,HK", lists))]
    assert len(china) == 638
    assert parse_filter("list:el change:added country:China since:2022-01", lists) == parse_filter("EL added CN since:2022-01", lists)
    assert parse_filter("country:Narnia list:XYZ change:grew", lists).unknown == ("country Narnia", "list XYZ", "change grew")
    counts = facets(el_added)
    assert counts["list"] == Counter({"EL": 1424}) and counts["country"]["CN"] == 542
    per = {(s["as_of"], s["list"]): s for s in summary(rows)}
    assert per[("2025-11-08", "EL")]["added"] == sum(1 for c in rows if c.list == "EL" and c.change == "added" and c.as_of == "2025-11-08")
    assert per[("2024-05-03", "SDN")]["added"] == 5413


def test_the_cli_counts_each_snapshot_as_its_rows_as_the_app_does(seed_db_path: Path):
    """`watchlist changes` heads its rows with per-snapshot counts that are those rows' own (one per entity), the rule
    of the app's What's new, not the import report's count of list records."""
    import re

    runner = CliRunner()
    text = runner.invoke(main, ["--db", str(seed_db_path), "changes", "--list", "EL"]).output
    rows = json.loads(runner.invoke(main, ["--db", str(seed_db_path), "changes", "--list", "EL", "--json"]).output)["changes"]
    head = next(line for line in text.splitlines() if line.startswith("2025-11-08  Entity List"))
    said = {kind: int(n.replace(",", "")) for n, kind in re.findall(r"[+~-]([\d,]+) (added|changed|removed)", head)}
    counted = {kind: sum(r["as_of"] == "2025-11-08" and r["change"] == kind for r in rows) for kind in ("added", "changed", "removed")}
    assert said == counted and counted["added"] > 1000
    assert "(baseline: first snapshot of this list)" in text  # the 2022 snapshot, flagged, its rows left out


def test_a_party_listed_in_rows_per_country_keeps_them_all_and_the_same_snapshot_changes_nothing(seed_db_copy: Path):
    """BIS lists "Veteran Avia LLC" in two rows of the 2025 Entity List (Armenia; the UK, Greece, Pakistan), both the one
    record the 2022 list had. Both rows update it together: it keeps all five addresses, and the same file imported again
    changes nothing (before, each row replaced the other's addresses: a change at every import, and addresses lost)."""
    db = connect(seed_db_copy)
    conn = db.conn
    (eid,) = conn.execute("SELECT id FROM entities WHERE key LIKE 'el:veteran avia llc:%'").fetchone()
    countries = {c for (c,) in conn.execute("SELECT DISTINCT country FROM addresses WHERE entity_id = ?", (eid,))}
    assert {"AM", "GB", "GR", "PK"} <= countries
    report = importers.import_file(db, SEED / "entity_list_2025-11-08.csv.gz", as_of="2025-11-08", force=True, snapshot=True)
    assert (report.added, report.updated, report.removed) == (0, 0, 0) and report.unchanged > 3_000
    assert conn.execute("SELECT count(*) FROM changes WHERE import_id = ?", (report.import_id,)).fetchone() == (0,)
    db.conn.close()
