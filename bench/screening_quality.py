"""Screening quality on the outside sets: recall on listed firms as people write them, false alerts on unlisted firms.

Usage::

    python bench/screening_quality.py [--store STORE] [--baseline REF]

Screens ``tests/data/screening_listed.csv`` (listed firms written as invoices, customs records and the press write
them) and ``tests/data/screening_unlisted.csv`` (real CN/HK/RU firms on none of the seed's lists) through the real
``screen`` path (the files are read as a user's file is, countries written as names included), and prints recall by
kind of writing and the false-alert rate over thresholds 75–95.

``--baseline REF`` (default: the commit where this round's screening work started) screens the same files with the
engine of that commit, on a seed store built by that commit, in a separate interpreter, and prints it beside.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LISTED = ROOT / "tests" / "data" / "screening_listed.csv"
UNLISTED = ROOT / "tests" / "data" / "screening_unlisted.csv"
THRESHOLDS = (75, 80, 85, 90, 95)
BASELINE = "b645a04"  # main before issue 15's scoring work


def evaluate(store: str) -> dict:
    """Per row: the best score of a correct match and of any match (listed), the best score of any match (unlisted)."""
    import sqlite3

    from watchlist.store import screening
    from watchlist.store.search import SearchIndex

    index = SearchIndex.build(sqlite3.connect(store))
    out: dict = {"listed": [], "unlisted": []}
    _, rows, bad = screening.read_rows(LISTED)
    assert not bad, bad
    expected = [set(r.fields["expected_keys"].split("|")) for r in rows]
    for row, keys, result in zip(rows, expected, screening.screen_rows(index, rows, 70.0), strict=True):
        good = [m["score"] for m in result.matches if keys & set(m.get("records") or [m["key"]])]
        top = result.matches[0]["score"] if result.matches else 0.0
        out["listed"].append([row.fields["variant"], max(good, default=0.0), top, row.name])
    _, rows, bad = screening.read_rows(UNLISTED)
    assert not bad, bad
    for row, result in zip(rows, screening.screen_rows(index, rows, 70.0), strict=True):
        best = result.matches[0] if result.matches else None
        out["unlisted"].append([row.fields["home"], best["score"] if best else 0.0, row.name, best["matched_name"] if best else ""])
    return out


def baseline(ref: str, work: Path) -> dict | None:
    """``evaluate`` with the engine of commit ``ref`` (its own seed store, its own interpreter), or None."""
    tree = work / "tree"
    if subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), ref], capture_output=True).returncode:
        print(f"baseline {ref}: cannot check it out", file=sys.stderr)
        return None
    try:
        pkg = work / "pkg" / "watchlist"
        pkg.mkdir(parents=True)
        for part in ("store", "tui", "seed"):
            (pkg / part).symlink_to(tree / part)
        site = [p for p in sys.path if p.endswith("site-packages")]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(pkg.parent), *site])}
        store = work / "baseline.db"
        code = (
            f"import json, sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import screening_quality as q;"
            f"from watchlist.store import connect, seed;"
            f"seed.build(connect({str(store)!r})); print(json.dumps(q.evaluate({str(store)!r})))"
        )
        run = subprocess.run([sys.executable, "-S", "-c", code], env=env, capture_output=True, text=True, cwd=work)
        if run.returncode:
            print(f"baseline {ref} failed:\n{run.stderr[-2000:]}", file=sys.stderr)
            return None
        return json.loads(run.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)


def table(name: str, res: dict) -> None:
    """Recall by kind of writing and the false-alert rate, at each threshold."""
    print(f"\n{name}")
    print(f"{'':28}" + "".join(f"{t:>8}" for t in THRESHOLDS))
    groups: dict[str, list[float]] = defaultdict(list)
    for variant, good, _top, _name in res["listed"]:
        groups[variant].append(good)
        groups["all listed (recall)"].append(good)
    for variant in ["all listed (recall)", *sorted(k for k in groups if k != "all listed (recall)")]:
        scores = groups[variant]
        print(f"{variant + f' ({len(scores)})':28}" + "".join(f"{sum(s >= t for s in scores) / len(scores):8.3f}" for t in THRESHOLDS))
    by_home: dict[str, list[float]] = defaultdict(list)
    for home, top, *_ in res["unlisted"]:
        by_home["unlisted: false alerts"].append(top)
        by_home[f"  of which {home}"].append(top)
    for label in sorted(by_home, key=lambda k: (not k.startswith("unlisted"), k)):
        scores = by_home[label]
        print(f"{label + f' ({len(scores)})':28}" + "".join(f"{sum(s >= t for s in scores) / len(scores):8.3f}" for t in THRESHOLDS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", help="a seed store built by this checkout (built in a temporary folder if not given)")
    parser.add_argument("--baseline", default=BASELINE, help="commit whose engine is measured beside (''/none to skip)")
    parser.add_argument("--misses", type=float, default=0, help="also list misses and false alerts at this threshold")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store
        if not store:
            from watchlist.store import connect, seed

            store = str(Path(tmp) / "seed.db")
            seed.build(connect(store))
        current = evaluate(store)
        table("this checkout", current)
        if args.baseline and args.baseline != "none":
            old = baseline(args.baseline, Path(tmp))
            if old:
                table(f"baseline: engine at {args.baseline}", old)
    if args.misses:
        print(f"\nmisses at {args.misses}:")
        for variant, good, top, name in current["listed"]:
            if good < args.misses:
                print(f"  {variant:20} {good:5.1f} (top {top:5.1f})  {name}")
        print(f"false alerts at {args.misses}:")
        for home, top, name, matched in current["unlisted"]:
            if top >= args.misses:
                print(f"  {home} {top:5.1f}  {name}  →  {matched}")


if __name__ == "__main__":
    main()
