"""Search speed as a person types, on synthetic stores of 100k and 1M entities, next to a full scan.

    python bench/search_speed.py                      # 100k and 1M (generates both stores once)
    python bench/search_speed.py --sizes 100000 --keep /tmp/wl-bench

For each size this builds (once, cached in ``--keep``) a store with ``bench/synthetic.py``, then in a
fresh process: builds the search index (time and peak RSS), warms up as the explorer does (pypinyin, the typo
buckets, the index frozen out of the cycle collector's walks), types 40 queries one key at a time
(prefixes of 1 to 25 characters: English names without the legal form, typos, spaced pinyin, Chinese
characters, persons) and prints per-keystroke latency p50/p95/max. The baseline is
``rapidfuzz.process.extract(prefix, all names, scorer=WRatio)`` on a sample of the same keystrokes.
Targets (2 cores): p95 <= 5 ms at 100k and <= 15 ms at 1M (issue 21); build <= 60 s; peak <= 1.5 GB at 1M.

How well typing answers, beside how fast: "top 10" counts the queries whose entity (or one of the very same name) is
among the first 10 answers at their last keystroke, "letters" is the median number typed until it first is. With
``--candidates N`` every keystroke scores N names instead of the search's 400: what fewer would cost, in both.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, max(2, len(word) - 1))
    return word[:i] + word[i + 1 :] if rng.random() < 0.5 else word[:i] + word[i + 1 : i + 2] + word[i] + word[i + 2 :]


def queries(conn: sqlite3.Connection, count: int = 40) -> list[str]:
    """Realistic typed queries for random entities of a synthetic store."""
    return [text for text, _, _ in sought(conn, count)]


def sought(conn: sqlite3.Connection, count: int = 40) -> list[tuple[str, int, str]]:
    """:func:`queries` with the entity each is typed for, and that entity's name (generated names repeat: another
    entity of the very same name is as good an answer)."""
    from watchlist.store.normalize import LEGAL, analyze

    rng = random.Random(11)
    top = conn.execute("SELECT max(id) FROM entities").fetchone()[0]
    out: list[tuple[str, int, str]] = []
    for n in range(count):
        eid = rng.randint(1, top)
        names = conn.execute("SELECT name, kind FROM names WHERE entity_id = ?", (eid,)).fetchall()
        name = next(nm for nm, kind in names if kind == "primary")
        words = [w for w in name.replace(",", " ").split() if w.lower().strip(".") not in LEGAL | {"limited", "company"}]
        style = n % 5
        if style == 1:
            core = analyze(name).core.split()[0]
            words = [_typo(w, rng) if w.lower() == core else w for w in words]
        elif style == 2:
            native = [nm for nm, kind in names if kind == "native"]
            words = [native[0]] if native else words
        elif style == 3:
            aka = [nm for nm, kind in names if kind == "aka"]
            words = aka[0].split() if aka else words
        out.append((" ".join(words)[:25], eid, name))
    return out


def measure(path: Path, baseline_keys: int, candidates: int | None = None) -> dict:
    """Run in a fresh process: build the index, type every query, return figures: latency, and how soon the entity
    typed for is among the first 10 answers (``candidates``: names scored per keystroke, the search's own if None)."""
    from rapidfuzz import fuzz, process, utils

    from watchlist.store.search import SearchIndex

    conn = sqlite3.connect(path)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    index = SearchIndex.build(conn)
    build = time.perf_counter() - started
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wanted = sought(conn)
    typed = [text for text, _, _ in wanted]
    more = {} if candidates is None else {"candidates": candidates}
    # as the explorer's warm-up does before the user types: pypinyin's dictionaries and the typo buckets made ahead,
    # and the index out of the cycle collector's walks
    from watchlist.store.normalize import analyze

    analyze("保利")
    index.warm()
    gc.freeze()
    latencies: list[float] = []
    worst = ("", 0.0)
    hits_at_end = top10_at_end = 0
    to_top10: list[int] = []  # letters typed until the entity typed for is first among the first 10
    for query, eid, name in wanted:
        first = 0
        for end in range(1, len(query) + 1):
            started = time.perf_counter()
            result = index.search(query[:end], limit=50, **more)
            ms = (time.perf_counter() - started) * 1000
            latencies.append(ms)
            if ms > worst[1]:
                worst = (query[:end], ms)
            top10 = bool(result) and any(h.entity_id == eid or h.name == name for h in result.hits[:10])
            first = first or (end if top10 else 0)
        hits_at_end += bool(result and result.hits)
        top10_at_end += top10
        if first:
            to_top10.append(first)
    rss2 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    base: list[float] = []
    if baseline_keys:
        choices = [utils.default_process(n) for (n,) in conn.execute("SELECT name FROM names")]
        keys = [q[:end] for q in typed for end in range(1, len(q) + 1)]
        for prefix in random.Random(3).sample(keys, min(baseline_keys, len(keys))):
            started = time.perf_counter()
            process.extract(utils.default_process(prefix), choices, scorer=fuzz.WRatio, limit=50, processor=None)
            base.append((time.perf_counter() - started) * 1000)
    return {
        "names": len(index),
        "entities": len(index.recent),
        "build_s": build,
        "index_mb": (rss1 - rss0) / 1024,
        "peak_mb": rss2 / 1024,
        "keystrokes": len(latencies),
        "p50": _pct(latencies, 50),
        "p95": _pct(latencies, 95),
        "max": max(latencies),
        "worst": worst[0],
        "answered": f"{hits_at_end}/{len(typed)}",
        "top10": f"{top10_at_end}/{len(typed)}",
        "letters": statistics.median(to_top10) if to_top10 else None,
        "base_n": len(base),
        "base_p50": _pct(base, 50) if base else None,
        "base_p95": _pct(base, 95) if base else None,
    }


def _pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--keep", type=Path, default=Path("/tmp/watchlist-bench"), help="where generated stores are cached")
    parser.add_argument("--baseline-keys", type=int, default=60, help="keystrokes replayed on the full-scan baseline")
    parser.add_argument("--candidates", type=int, help="names scored per keystroke (the search's own, 400, if not given)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.baseline_keys, args.candidates)))
        return
    from synthetic import generate

    args.keep.mkdir(parents=True, exist_ok=True)
    print(
        f"{'entities':>9} {'names':>9} {'build s':>8} {'index MB':>9} {'peak MB':>8} {'keys':>5} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'scan p50':>9} {'scan p95':>9}  answered  top 10  letters  slowest keystroke"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        path = args.keep / f"synthetic-{size}.db"
        if not path.exists():
            print(f"generating {path} …", file=sys.stderr)
            generate(path, size)
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--measure",
                str(path),
                "--baseline-keys",
                str(args.baseline_keys if size <= 100_000 else args.baseline_keys // 4),
                *(["--candidates", str(args.candidates)] if args.candidates else []),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(out.stdout)
        print(
            f"{r['entities']:>9,} {r['names']:>9,} {r['build_s']:>8.1f} {r['index_mb']:>9.0f} {r['peak_mb']:>8.0f} "
            f"{r['keystrokes']:>5} {r['p50']:>7.2f} {r['p95']:>7.2f} {r['max']:>7.1f} "
            f"{r['base_p50'] or 0:>9.0f} {r['base_p95'] or 0:>9.0f}  {r['answered']:>8}  {r['top10']:>6}  "
            f"{r['letters'] or 0:>7.1f}  {r['worst']!r}",
            flush=True,
        )


if __name__ == "__main__":
    main()
