"""Batch screening speed: generated counterparty names against a large generated store, next to brute force.

    python bench/synthetic.py --entities 1000000 --out /tmp/watchlist-bench/synthetic-1000000.db
    python bench/screen_speed.py --db /tmp/watchlist-bench/synthetic-1000000.db --rows 100000 --workers 2

Counterparties are generated (never committed): half are names of the store's listed entities as people
write them (a letter changed, the legal form dropped, words moved), half are fresh generated names.
The index is loaded (built and saved the first time), then rows are screened exactly as
``watchlist screen --workers N`` does (``store.screening.screen``: forked processes share the index copy-on-write). Variants know the
entity they came from, so their recall is printed too. The brute-force baseline is
``rapidfuzz.process.cdist`` (WRatio, all cores; needs numpy: ``pip install -e '.[bench]'``;
``process.extract`` on one core without it) of a sample of the rows against every name of the
store, extrapolated to all rows. Peak memory is the largest resident size of the parent and of a
worker.
"""

from __future__ import annotations

import argparse
import random
import resource
import sqlite3
import time
from pathlib import Path

from rapidfuzz import fuzz, process
from synthetic import entity_names  # bench/synthetic.py, beside this script

from watchlist.store import connect, screening
from watchlist.store.index_file import is_current, open_index
from watchlist.store.normalize import analyze


def counterparties(conn: sqlite3.Connection, count: int, seed: int = 11) -> list[tuple[str, int | None]]:
    """Generated rows, shuffled: variants of stored names (with the entity they came from) and fresh generated names (None)."""
    rng = random.Random(seed)
    # only a listed entity is a match (a synthetic store lists one entity in fifty): variants of their names, repeated
    ids = [i for (i,) in conn.execute("SELECT id FROM names WHERE kind = 'primary' AND entity_id IN (SELECT entity_id FROM listings) ORDER BY id")]
    picked = sorted(rng.choices(ids, k=count // 2))
    distinct = sorted(set(picked))
    by_id = {
        nid: (name, eid)
        for i in range(0, len(distinct), 500)
        for nid, name, eid in conn.execute(
            f"SELECT id, name, entity_id FROM names WHERE id IN ({','.join('?' * len(distinct[i : i + 500]))})", distinct[i : i + 500]
        )
    }
    stored = [by_id[nid] for nid in picked]
    out: list[tuple[str, int | None]] = []
    for name, eid in stored:
        words = name.split()
        roll = rng.random()
        if roll < 0.4 and len(words) > 1:  # a letter changed in the longest word
            i = max(range(len(words)), key=lambda k: len(words[k]))
            w = words[i]
            j = rng.randrange(1, len(w)) if len(w) > 2 else 0
            words[i] = w[:j] + rng.choice("aeiounrst") + w[j + 1 :]
        elif roll < 0.7 and len(words) > 2:  # the legal form dropped
            words = words[:-2]
        elif len(words) > 2:  # the first word moved last
            words = words[1:] + words[:1]
        out.append((" ".join(words), eid))
    while len(out) < count:
        out.append((entity_names(rng)[2][0][0], None))
    rng.shuffle(out)
    return out


def main() -> None:
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
    was_saved = is_current(conn)
    started = time.perf_counter()
    index = open_index(conn)  # as `watchlist screen` does: the saved index when it is the store's, else built (and saved)
    built = time.perf_counter() - started
    started = time.perf_counter()
    results = list(screening.screen(index, [screening.Row(i, n, "", {}) for i, (n, _) in enumerate(rows)], args.threshold, workers=args.workers))
    screened = time.perf_counter() - started
    flagged = sum(1 for r in results if r.matches)
    variants = sum(1 for _, expected in rows if expected is not None)
    missed = [
        (expected, r)
        for (_, expected), r in zip(rows, results, strict=True)
        if expected is not None and not any(m["entity_id"] == index.group.get(expected, expected) for m in r.matches)
    ]
    found = variants - len(missed)
    own = {
        eid: name
        for i in range(0, len(missed), 500)
        for eid, name in conn.execute(
            f"SELECT id, name FROM entities WHERE id IN ({','.join('?' * len(missed[i : i + 500]))})", [e for e, _ in missed[i : i + 500]]
        )
    }
    twins = sum(1 for e, r in missed if any(analyze(m["name"]).latn == analyze(own[e]).latn for m in r.matches))
    worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    parent_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"store: {len(index.kind) - 1:,} entities, {len(index):,} names; index {'loaded' if was_saved else 'built and saved'} in {built:.1f} s")
    print(
        f"engine: {len(rows):,} rows screened in {screened:.1f} s with {args.workers} workers "
        f"({screened / len(rows) * 1000 * args.workers:.2f} ms a row per worker); total with the index {built + screened:.1f} s"
    )
    print(
        f"results: {flagged:,} rows with a match ≥ {args.threshold:.0f}; {found:,} of {variants:,} variants of stored names "
        f"matched their own entity (recall {found / max(1, variants):.3f}); {twins:,} of the others matched entities with "
        f"the very same name (generated names repeat: a person's name may be 30 people), so {found + twins:,} "
        f"({(found + twins) / max(1, variants):.3f}) found the name"
    )
    print(f"peak memory: parent {parent_rss:,.0f} MB, largest worker {worker_rss:,.0f} MB (shared pages counted in each)")
    names = [n for (n,) in conn.execute("SELECT name FROM names")]
    sample = [name for name, _ in rows[: args.cdist_sample]]
    started = time.perf_counter()
    if _has_numpy():  # cdist needs numpy, which watchlist does not depend on
        process.cdist(sample, names, scorer=fuzz.WRatio, processor=None, workers=-1, dtype="uint8", score_cutoff=int(args.threshold))
        how = "rapidfuzz cdist (WRatio, all cores)"
    else:
        for row in sample:
            process.extract(row, names, scorer=fuzz.WRatio, processor=None, limit=3, score_cutoff=args.threshold)
        how = "rapidfuzz process.extract (WRatio, one core; cdist needs numpy)"
    brute = time.perf_counter() - started
    print(
        f"brute force: {how} of {len(sample)} rows × {len(names):,} names in {brute:.1f} s; "
        f"all {len(rows):,} rows ≈ {brute / len(sample) * len(rows) / 3600:,.1f} hours"
    )


def _has_numpy() -> bool:
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
