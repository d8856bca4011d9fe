"""Screening on a Dask cluster (a real LocalCluster of two worker processes): partitions in, partitions and a summary
out, the same answers as screening the whole file on one machine, and the run kept for triage."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from watchlist.store import connect, distributed, screening
from watchlist.store.importers.reading import ENCODING
from watchlist.store.index_file import fingerprint

pq = pytest.importorskip("pyarrow.parquet", reason="the dask extra (pyarrow) is not installed")
pa = pytest.importorskip("pyarrow")
pytest.importorskip("dask.distributed", reason="the dask extra is not installed")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"


def _watchlist(store: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "watchlist.tui", "--db", str(store), *args], cwd=ROOT, capture_output=True, text=True, timeout=240)


def _partitions(folder: Path) -> list[dict[str, str]]:
    """Real listed names as people write them and real unlisted firms, in three CSV partitions and one Parquet."""
    rows = list(csv.DictReader((DATA / "screening_listed.csv").open(encoding="utf-8")))[:60]
    rows += list(csv.DictReader((DATA / "screening_unlisted.csv").open(encoding="utf-8")))[:60]
    rows.append({"name": "  ", "country": "HK"})  # rejected: no name
    folder.mkdir()
    for i in range(3):
        with (folder / f"part-{i}.csv").open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(["name", "country"])
            out.writerows([r["name"], r["country"]] for r in rows[i * 30 : (i + 1) * 30])
    rest = rows[90:]
    columns = {"name": [r["name"] for r in rest], "country": [r["country"] for r in rest], "status": ["supplier"] * len(rest)}
    pq.write_table(pa.table(columns), folder / "part-3.parquet")  # "status" is also a result field: kept, the result's is prefixed
    return rows


def test_partitions_screened_on_a_local_cluster_answer_as_one_machine_does(seed_db_copy: Path, tmp_path: Path):
    rows = _partitions(tmp_path / "parts")
    whole = tmp_path / "whole.csv"
    with whole.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["name", "country"])
        out.writerows([r["name"], r["country"]] for r in rows)
    one = _watchlist(seed_db_copy, "screen", str(whole), "-o", str(tmp_path / "whole.out.csv"), "--no-save")
    assert one.returncode == 0, one.stderr

    done = _watchlist(seed_db_copy, "screen", str(tmp_path / "parts"), "--scheduler", "local", "--workers", "2", "-o", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "4 partitions, 121 rows" in done.stderr and "on 2 workers" in done.stderr and "Traceback" not in done.stderr

    expected = [(r["name"], r["status"], r["entity_key"], r["score"]) for r in csv.DictReader((tmp_path / "whole.out.csv").open(encoding="utf-8"))]
    got = []
    for i in range(3):
        got += [
            (r["name"], r["status"], r["entity_key"], r["score"])
            for r in csv.DictReader((tmp_path / "out" / f"part-{i}.screened.csv").open(encoding="utf-8"))
        ]
    table = pq.read_table(tmp_path / "out" / "part-3.screened.parquet").to_pylist()
    got += [(r["name"], r["screened_status"], r["entity_key"], r["score"]) for r in table]
    assert {r["status"] for r in table} == {"supplier"}
    assert got == expected  # the same engine, row for row, whichever worker screened it
    assert sum(status == "potential match" for _, status, _, _ in got) >= 50

    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["rows"] == 121 and summary["partitions"] == 4 and summary["rejected"] == 1
    assert summary["potential_matches"] == sum(status == "potential match" for _, status, _, _ in expected)
    assert len(summary["workers"]) == 2 and all(w["rows_per_second"] > 0 for w in summary["workers"].values())
    assert sum(w["rows"] for w in summary["workers"].values()) == 121

    db = connect(seed_db_copy)  # the run is kept for triage like any other: its potential matches and rejected rows
    run = screening.runs(db)[0]
    assert run.id == summary["run_id"] and run.rows == 121 and run.summary["potential_matches"] == summary["potential_matches"]
    kept = screening.run_rows(db, run.id)
    assert len(kept) == summary["potential_matches"] + 1 and len({r.line for r in kept}) == len(kept)
    first = next(r for r in kept if r.status == "potential match")
    (given,) = db.conn.execute("SELECT input FROM user_screening_rows WHERE run_id = ? AND line = ?", (run.id, first.line)).fetchone()
    assert json.loads(given)["partition"].startswith("part-") and first.name in {r["name"] for r in rows}
    inputs = [json.loads(x) for (x,) in db.conn.execute("SELECT input FROM user_screening_rows WHERE run_id = ? ORDER BY line", (run.id,))]
    assert [i["partition"] for i in inputs] == sorted(i["partition"] for i in inputs)  # numbered in partition order
    outputs = ["part-0.screened.csv", "part-1.screened.csv", "part-2.screened.csv", "part-3.screened.parquet", "summary.json"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == outputs  # the workers' files of rows to keep are gone
    screening.decide(db, run.id, first.line, "match", "checked on the cluster's output")
    assert screening.audit(db, run.id).rows
    db.conn.close()


def test_a_bad_partition_or_scheduler_is_one_line(seed_db_copy: Path, tmp_path: Path):
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "a.csv").write_text("company\nSinno Electronics\n", encoding="utf-8")
    (parts / "b.csv").write_text("street\nKowloon\n", encoding="utf-8")  # no name column
    with distributed.cluster(distributed.LOCAL, 1):  # another cluster on this machine holds Dask's port: nothing said of it
        bad = _watchlist(seed_db_copy, "screen", str(parts), "--scheduler", "local", "--workers", "1", "-o", str(tmp_path / "out"))
    assert bad.returncode == 1 and "b.csv:1: no name column" in bad.stderr and bad.stderr.count("\n") == 1, bad.stderr
    assert not [p.name for p in (tmp_path / "out").iterdir() if p.name.endswith(".kept.jsonl")]  # a.csv's rows to keep: gone too
    away = _watchlist(seed_db_copy, "screen", str(parts), "--scheduler", "tcp://127.0.0.1:9", "-o", str(tmp_path / "out"))
    assert away.returncode == 1 and "tcp://127.0.0.1:9" in away.stderr and away.stderr.count("\n") == 1, away.stderr
    folder = _watchlist(seed_db_copy, "screen", str(parts))
    assert folder.returncode == 1 and "--scheduler" in folder.stderr
    no_out = _watchlist(seed_db_copy, "screen", str(parts), "--scheduler", "local")
    assert no_out.returncode == 1 and "-o FOLDER" in no_out.stderr


def test_a_worker_reads_a_windows_partition_in_the_clients_encoding(seed_db_copy: Path, tmp_path: Path):
    """--encoding reaches the workers: the task function as a worker runs it, on a cp1252 export."""
    conn = sqlite3.connect(seed_db_copy)
    stamp = fingerprint(conn)  # what the client sends: which store state the worker's index must be of
    conn.close()
    part = tmp_path / "export.csv"
    part.write_bytes('name,country\r\n"Sinno Electronics Co., Ltd. – Shenzhen",HK\r\nSociété Générale de Négoce,FR\r\n'.encode("cp1252"))
    with pytest.raises(screening.ScreenFailed, match=r"export\.csv:2: not UTF-8 text"):
        distributed.screen_partition(str(seed_db_copy), stamp, str(part), str(tmp_path / "a.csv"), 85.0, None, None)
    done = distributed.screen_partition(str(seed_db_copy), stamp, str(part), str(tmp_path / "b.csv"), 85.0, None, None, "cp1252")
    assert ENCODING["name"] is None  # the task's encoding does not stay behind in the process
    assert done.totals["rows"] == 2 and done.totals["potential_matches"] == 1
    assert done.kept is not None
    kept = [json.loads(line) for line in Path(done.kept).read_text(encoding="utf-8").splitlines()]  # as the run keeps them
    assert [json.loads(row[3])["name"] for row in kept] == ["Sinno Electronics Co., Ltd. – Shenzhen"] and "EL" in kept[0][7].split()
    unkept = distributed.screen_partition(str(seed_db_copy), stamp, str(part), str(tmp_path / "c.csv"), 85.0, None, None, "cp1252", keep=False)
    assert unkept.kept is None and unkept.totals == done.totals and not (tmp_path / ".c.csv.kept.jsonl").exists()  # --no-save
    written = list(csv.DictReader((tmp_path / "b.csv").open(encoding="utf-8")))
    assert [r["name"] for r in written] == ["Sinno Electronics Co., Ltd. – Shenzhen", "Société Générale de Négoce"]
