"""Incremental resolution against a full regroup: random decisions, splits and imports on a copy of a store.

    python bench/resolve_incremental.py --db STORE [--rounds 6] [--seed 1] [FILE ...]

Each step (a "same" or "different" decision on a random candidate, a split of a random merged record, then each
FILE imported) regroups only the neighbourhood of what changed, as the app and the CLI do; the groups and candidates
it leaves are then compared with what a regroup of every record would write (``resolve.whole_grouping``). Prints the
time of each step and OK or DIFFERENT; the store given is never changed (a copy is made with SQLite's backup).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from watchlist.store import connect, importers, resolve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "store.db"
        src, dst = sqlite3.connect(args.db), sqlite3.connect(copy)
        src.backup(dst)
        src.close()
        dst.close()
        db = connect(copy)
        failures = 0

        def step(label: str, run) -> None:
            nonlocal failures
            started = time.perf_counter()
            run()
            took = time.perf_counter() - started
            same = resolve.stored_grouping(db.conn) == resolve.whole_grouping(db.conn)
            failures += not same
            print(f"{'OK' if same else 'DIFFERENT':9} {took * 1000:8.1f} ms  {label}")

        for i in range(args.rounds):
            c = rng.choice(resolve.candidates(db))
            decision = resolve.SAME if i % 2 == 0 else resolve.DIFFERENT
            step(f"{decision} {c.a_key} / {c.b_key}", lambda c=c, d=decision: resolve.decide(db, c.a_key, c.b_key, d))
            group = rng.choice([g for (g,) in db.conn.execute("SELECT DISTINCT group_id FROM resolution")])
            record = resolve.members(db.conn, group)[-1]
            step(f"split {record} out of {group}", lambda r=record: resolve.split(db, r))
        for file in args.files:
            step(f"import {file.name}", lambda f=file: importers.import_file(db, f, force=True, snapshot=False))
        db.conn.close()
    print("every step as a full regroup" if not failures else f"{failures} steps differ from a full regroup")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
