"""Soak: the app's connection pattern writing user data while CLI commands run in loops beside it.

    python bench/concurrency_soak.py --db SEEDED.db --minutes 5 [--cli-loops 2]

Works on a copy of the store. Process A (this one) opens connections the way the app does: one main
connection, read-only ones in worker threads and a writer thread, each opened when first needed. It
stars, unstars, writes notes and triage decisions, and reads between them. Meanwhile ``--cli-loops``
processes run ``stats``, ``show``, ``search``, ``import``, ``resolve same|different``, ``screen``,
``screenings decide`` and ``backup`` over and over. At the end every write A was told had committed
is checked in the store, and ``integrity_check`` runs. Prints the figures; exits 1 on any loss or error.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from watchlist.store import connect, screening, userdata  # noqa: E402
from watchlist.store.db import integrity  # noqa: E402

_local = threading.local()


def reader(path: Path):
    """A read-only connection per worker thread, opened on first use (as tui/workers.py does)."""
    if getattr(_local, "db", None) is None:
        _local.db = connect(path, readonly=True)
    return _local.db


def cli_loop(store: Path, work: Path, stop: float, seed: int, keys: list[str]) -> tuple[int, list[str]]:
    """Run CLI commands until ``stop``; return (commands run, failures)."""
    rng = random.Random(seed)
    shipments = work / f"shipments-{seed}.csv"
    parties = work / f"parties-{seed}.csv"
    parties.write_text("name,country\nSinno Electronics,HK\nKing Pai Technology,HK\nWorld Jetta Logistics,HK\n", encoding="utf-8")
    runs, failures = 0, []
    while time.monotonic() < stop:
        shipments.write_text(
            "date,exporter,exporter_country,importer,importer_country,hs_code,value\n"
            f"2024-03-01,Soak Exporter {seed} {runs},CN,OOO Soak,RU,854231,{runs + 1}\n",
            encoding="utf-8",
        )
        a, b = rng.sample(keys, 2)
        args = rng.choice(
            [
                ["stats"],
                ["show", a],
                ["search", "sinno electronics", "--json"],
                ["import", str(shipments)],
                ["resolve", rng.choice(["same", "different"]), a, b],
                ["screen", str(parties)],
                ["screenings", "decide", "1", "2", rng.choice(["match", "review"])],
                ["backup", "-o", str(work / f"backup-{seed}.db")],
            ]
        )
        done = subprocess.run([sys.executable, "-m", "watchlist.tui", "--db", str(store), *args], cwd=ROOT, capture_output=True, text=True)
        runs += 1
        if done.returncode != 0 or "Traceback" in done.stderr:
            failures.append(f"{' '.join(args)}: exit {done.returncode}: {done.stderr.strip()[-300:]}")
    return runs, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="a seeded store (copied; never written)")
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--cli-loops", type=int, default=2, help="CLI processes running at once")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="soak-"))
    store = work / "store.db"
    src, dst = sqlite3.connect(args.db), sqlite3.connect(store)
    src.backup(dst)
    src.close()
    dst.close()

    main_db = connect(store)  # the CLI's connection the app keeps open
    keys = [k for (k,) in main_db.conn.execute("SELECT key FROM entities WHERE kind = 'company' ORDER BY id LIMIT 400")]
    subprocess.run(
        [sys.executable, "-m", "watchlist.tui", "--db", str(store), "screen", str(ROOT / "tests" / "data" / "screening_sample.csv")],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    stop = time.monotonic() + args.minutes * 60
    with ThreadPoolExecutor(args.cli_loops) as pool:
        loops = [pool.submit(cli_loop, store, work, stop, n, keys) for n in range(args.cli_loops)]
        writer = None
        expected_notes: dict[str, str] = {}
        expected_stars: dict[str, str] = {}
        writes = reads = 0
        errors: list[str] = []
        rng = random.Random(7)
        readers = ThreadPoolExecutor(4)
        while time.monotonic() < stop:
            try:
                if writer is None or rng.random() < 0.01:  # a writer opened later, and now and then anew
                    writer = connect(store)
                key = rng.choice(keys)
                action = rng.random()
                if action < 0.4:
                    text = f"note {writes} at {time.time():.3f}"
                    saved = userdata.set_note(writer, key, text, base=userdata.own_note(writer, key))
                    expected_notes[key] = saved.text
                elif action < 0.8:  # star() writes this record's row only (unstar takes the whole group off)
                    expected_stars[key] = f"tag{writes}"
                    userdata.star(writer, key, expected_stars[key])
                else:
                    screening.decide(writer, 1, 2, rng.choice(["match", "no match", "review"]))
                writes += 1
                reads += sum(
                    f.result()
                    for f in [
                        readers.submit(lambda: reader(store).conn.execute("SELECT count(*) FROM user_notes").fetchone()[0] >= 0) for _ in range(4)
                    ]
                )
            except Exception as exc:  # counted, not raised: the soak reports every error
                errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.02)
        readers.shutdown()
        results = [f.result() for f in loops]
    main_db.conn.close()
    if writer is not None:
        writer.conn.close()
    check = connect(store, readonly=True)
    notes = dict(check.conn.execute("SELECT entity_key, note FROM user_notes"))
    stars = dict(check.conn.execute("SELECT entity_key, tags FROM user_watchlist"))
    lost_notes = [f"note {k}: {notes.get(k)!r} != {v!r}" for k, v in expected_notes.items() if notes.get(k) != v]
    lost_stars = [f"star {k}: {stars.get(k)!r} != {v!r}" for k, v in expected_stars.items() if stars.get(k) != v]
    check.conn.close()
    problem = integrity(store)
    cli_runs = sum(r[0] for r in results)
    cli_failures = [f for r in results for f in r[1]]
    print(
        f"soak {args.minutes:g} min on {args.db.name}: {writes} user writes confirmed by process A "
        f"({len(expected_notes)} notes, {len(expected_stars)} stars), {reads} reads; "
        f"{cli_runs} CLI commands in {args.cli_loops} loops beside it"
    )
    print(
        f"lost writes: {len(lost_notes) + len(lost_stars)}; errors in A: {len(errors)}; CLI failures: {len(cli_failures)}; "
        f"integrity_check: {problem or 'ok'}"
    )
    for line in lost_notes[:5] + lost_stars[:5] + errors[:5] + cli_failures[:5]:
        print("  ", line)
    shutil.rmtree(work, ignore_errors=True)
    return 1 if lost_notes or lost_stars or errors or cli_failures or problem else 0


if __name__ == "__main__":
    raise SystemExit(main())
