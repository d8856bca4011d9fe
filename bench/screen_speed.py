"""Batch screening speed: generated counterparty names against a large generated store, next to brute force.

    python bench/synthetic.py --entities 1000000 --out /tmp/watchlist-bench/synthetic-1000000.db
    python bench/screen_speed.py --db /tmp/watchlist-bench/synthetic-1000000.db --rows 100000 --workers 2

Counterparties are generated (never committed): half are names of the store's entities as people
write them (a letter changed, the legal form dropped, words moved), half are fresh generated names.
The index is built once, then ``--workers`` forked processes share it (copy-on-write) and screen
their share of the rows with the same engine as ``watchlist screen``. The brute-force baseline is
``rapidfuzz.process.cdist`` (WRatio, all cores; ``process.extract`` on one core when numpy is absent) of a sample of the rows against every name of the
store, extrapolated to all rows. Peak memory is the largest resident size of the parent and of a
worker.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import resource
import sqlite3
import time
from pathlib import Path

from rapidfuzz import fuzz, process
from synthetic import entity_names  # bench/synthetic.py, beside this script

from store import connect, screening
from store.search import SearchIndex

_INDEX: SearchIndex | None = None


def counterparties(conn: sqlite3.Connection, count: int, seed: int = 11) -> list[str]:
    """Generated rows: variants of stored names and fresh generated names, shuffled."""
    rng = random.Random(seed)
    stored = [n for (n,) in conn.execute("SELECT name FROM names WHERE kind = 'primary' ORDER BY random() LIMIT ?", (count // 2,))]
    out = []
    for name in stored:
        words = name.split()
        roll = rng.random()
        if roll < 0.4 and len(words) > 1:  # a letter changed in the longest word
            i = max(range(len(words)), key=lambda k: len(words[k]))
            w = words[i]
            j = rng.randrange(1, len(w)) if len(w) > 2 else 0
            words[i] = w[:j] + rng.choice("aeiounrst") + w[j + 1:]
        elif roll < 0.7 and len(words) > 2:  # the legal form dropped
            words = words[:-2]
        elif len(words) > 2:  # the first word moved last
            words = words[1:] + words[:1]
        out.append(" ".join(words))
    while len(out) < count:
        out.append(entity_names(rng)[2][0][0])
    rng.shuffle(out)
    return out


def _screen_share(args: tuple[list[str], float]) -> tuple[int, int, float]:
    rows, threshold = args
    assert _INDEX is not None
    flagged = sum(1 for r in screening.screen(_INDEX, [screening.Row(i, n, "", {}) for i, n in enumerate(rows)], threshold)
                  if r.matches)
    return flagged, len(rows), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    global _INDEX
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threshold", type=float, default=screening.THRESHOLD)
    parser.add_argument("--cdist-sample", type=int, default=100, help="rows the brute-force baseline screens")
    args = parser.parse_args()
    conn = connect(args.db).conn
    rows = counterparties(conn, args.rows)
    started = time.perf_counter()
    _INDEX = SearchIndex.build(conn)
    built = time.perf_counter() - started
    shares = [rows[i::args.workers] for i in range(args.workers)]
    started = time.perf_counter()
    with mp.get_context("fork").Pool(args.workers) as pool:
        results = pool.map(_screen_share, [(share, args.threshold) for share in shares])
    screened = time.perf_counter() - started
    flagged = sum(r[0] for r in results)
    worker_rss = max(r[2] for r in results)
    parent_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"store: {len(_INDEX.kind) - 1:,} entities, {len(_INDEX):,} names; index built in {built:.1f} s")
    print(f"engine: {len(rows):,} rows screened in {screened:.1f} s with {args.workers} workers "
          f"({screened / len(rows) * 1000 * args.workers:.2f} ms a row per worker); {flagged:,} rows with a match ≥ {args.threshold:.0f}; "
          f"total with the index build {built + screened:.1f} s")
    print(f"peak memory: parent {parent_rss:,.0f} MB, largest worker {worker_rss:,.0f} MB (shared pages counted in each)")
    names = [n for (n,) in conn.execute("SELECT name FROM names")]
    sample = rows[: args.cdist_sample]
    started = time.perf_counter()
    if _has_numpy():  # cdist needs numpy, which watchlist does not depend on
        process.cdist(sample, names, scorer=fuzz.WRatio, processor=None, workers=-1, dtype="uint8", score_cutoff=int(args.threshold))
        how = "rapidfuzz cdist (WRatio, all cores)"
    else:
        for row in sample:
            process.extract(row, names, scorer=fuzz.WRatio, processor=None, limit=3, score_cutoff=args.threshold)
        how = "rapidfuzz process.extract (WRatio, one core; cdist needs numpy)"
    brute = time.perf_counter() - started
    print(f"brute force: {how} of {len(sample)} rows × {len(names):,} names in {brute:.1f} s; "
          f"all {len(rows):,} rows ≈ {brute / len(sample) * len(rows) / 3600:,.1f} hours")


def _has_numpy() -> bool:
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
