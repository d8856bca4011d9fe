"""Screening on a Dask LocalCluster: generated counterparties in CSV partitions, screened with 1 then 2 workers.

Prints, for each cluster size, the wall time, rows a second in all and per worker, and the scaling from 1 to 2
workers; beside them the single-process engine (``watchlist screen`` without --scheduler) on the first partition,
as the floor a worker should reach. Rows are variants of the store's names and generated firm names
(``screen_speed.counterparties``); nothing generated is committed.

    python bench/screen_distributed.py --db STORE --rows 1000000 --partitions 40
"""

from __future__ import annotations

import argparse
import csv
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screen_speed import counterparties  # bench/screen_speed.py, beside this script

from watchlist.store import connect, distributed, screening
from watchlist.store.index_file import open_index


def write_partitions(store: Path, folder: Path, rows: int, parts: int) -> None:
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    base = counterparties(conn, min(rows, 200_000))  # generated once, repeated to size: every row is screened anew
    conn.close()
    per = -(-rows // parts)
    n = 0
    for p in range(parts):
        with (folder / f"part-{p:04d}.csv").open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(["name", "row"])
            for _ in range(min(per, rows - n)):
                out.writerow([base[n % len(base)][0], n])
                n += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--partitions", type=int, default=20)
    parser.add_argument("--sizes", default="1,2", help="cluster sizes to run, e.g. 1,2")
    parser.add_argument("--save", action="store_true", help="keep each run in the store, as `watchlist screen` does by default")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="screen-distributed-"))
    try:
        store = work / "store.db"
        src, dst = sqlite3.connect(args.db), sqlite3.connect(store)
        src.backup(dst)
        src.close()
        dst.close()
        saved = Path(f"{args.db}.search-index")
        if saved.exists():  # the source's saved index is the copy's too (the same data, the same fingerprint)
            shutil.copyfile(saved, f"{store}.search-index")
        parts = work / "parts"
        parts.mkdir()
        started = time.perf_counter()
        write_partitions(store, parts, args.rows, args.partitions)
        print(f"{args.rows:,} rows in {args.partitions} partitions written in {time.perf_counter() - started:.1f} s")
        db = connect(store)
        index = open_index(db.conn)  # saved beside the copy: the workers load it
        first = sorted(parts.iterdir())[0]
        _, rows, _ = screening.read_rows(first)
        started = time.perf_counter()
        list(screening.screen(index, rows, workers=1))
        floor = len(rows) / (time.perf_counter() - started)
        print(f"one process, no cluster (the first partition, {len(rows):,} rows): {floor:,.0f} rows/s")
        rates: dict[int, float] = {}
        for size in (int(s) for s in args.sizes.split(",")):
            with distributed.cluster(distributed.LOCAL, size) as client:
                run = distributed.screen_partitions(db, store, parts, work / f"out-{size}", client, save=args.save)
            rates[size] = run.totals["rows"] / run.seconds
            per = ", ".join(f"{w['rows_per_second']:,.0f}" for w in run.workers.values())
            print(
                f"LocalCluster of {size}: {run.totals['rows']:,} rows in {run.seconds:.1f} s = {rates[size]:,.0f} rows/s; "
                f"per worker (busy time): {per} rows/s; {run.totals['potential_matches']:,} potential matches"
                + (f", kept in run {run.run_id}" if run.run_id else "")
                + f"; the client's peak memory so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"
            )
        if 1 in rates and 2 in rates:
            print(f"scaling 1 → 2 workers: {rates[2] / rates[1]:.2f}×")
        db.conn.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
