"""Search quality on the labelled real-data query set, next to a plain rapidfuzz baseline.

Run: python bench/search_quality.py --db PATH (a store built from seed/).
Prints recall@1, recall@10 and MRR overall and per query class for our engine and for
``rapidfuzz.process.extract(query, all names, scorer=WRatio)`` grouped by entity. Ties count against
the engine: an answer's rank is the number of entities scoring at least as high.
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import time
from collections import defaultdict
from pathlib import Path

from rapidfuzz import fuzz, process, utils

from watchlist.store.search import SearchIndex

QUERIES = Path(__file__).resolve().parent.parent / "tests" / "data" / "search_queries.csv"


def rank_of(ranked: list[tuple[str, float]], expected: set[str]) -> int | None:
    """1-based rank of the best expected entity, counting ties with wrong answers against us.

    rank = 1 + the number of unexpected entities scoring at least as high as the best expected one.
    """
    for key, score in ranked:
        if key in expected:
            return 1 + sum(1 for k, s in ranked if s >= score and k not in expected)
    return None


def report(name: str, ranks: dict[str, list[int | None]]) -> None:
    everything = [r for rs in ranks.values() for r in rs]

    def line(label: str, rs: list[int | None]) -> str:
        r1 = sum(1 for r in rs if r == 1) / len(rs)
        r10 = sum(1 for r in rs if r and r <= 10) / len(rs)
        mrr = sum(1 / r for r in rs if r) / len(rs)
        return f"  {label:<12} n={len(rs):>5}  recall@1 {r1:.3f}  recall@10 {r10:.3f}  MRR {mrr:.3f}"

    print(name)
    print(line("all", everything))
    for cls in sorted(ranks):
        print(line(cls, ranks[cls]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--baseline-limit", type=int, default=50)
    parser.add_argument("--sample", type=int, default=0, help="use every k-th query so N remain (0: all)")
    args = parser.parse_args()
    conn = sqlite3.connect(args.db)
    index = SearchIndex.build(conn)
    rows = list(csv.DictReader(QUERIES.open(encoding="utf-8")))
    if args.sample and args.sample < len(rows):
        rows = rows[:: len(rows) // args.sample][: args.sample]
    names = conn.execute("SELECT e.key, n.name FROM names n JOIN entities e ON e.id = n.entity_id").fetchall()
    choices = [utils.default_process(n) for _, n in names]
    ours: dict[str, list[int | None]] = defaultdict(list)
    base: dict[str, list[int | None]] = defaultdict(list)
    t_ours = t_base = 0.0
    for row in rows:
        expected = set(row["expected_keys"].split(";"))
        started = time.perf_counter()
        result = index.search(row["query"] + " ", limit=50, min_score=0)
        t_ours += time.perf_counter() - started
        # a resolved entity answers for each of its list records
        ours[row["class"]].append(rank_of([(next((k for k in h.records if k in expected), h.key), h.score) for h in result.hits], expected))
        started = time.perf_counter()
        found = process.extract(utils.default_process(row["query"]), choices, scorer=fuzz.WRatio, limit=args.baseline_limit * 3, processor=None)
        best: dict[str, float] = {}
        for _, score, i in found:
            key = names[i][0]
            best[key] = max(best.get(key, 0), score)
        t_base += time.perf_counter() - started
        base[row["class"]].append(rank_of(sorted(best.items(), key=lambda kv: -kv[1]), expected))
    print(f"{len(rows)} queries from {QUERIES.name}; {len(names)} names ({len(index)} distinct keys)")
    report(f"engine (mean {1000 * t_ours / len(rows):.1f} ms/query)", ours)
    report(f"baseline WRatio full scan (mean {1000 * t_base / len(rows):.1f} ms/query)", base)


if __name__ == "__main__":
    main()
