"""Soak the crash test: many more SIGKILLed imports than the suite runs (default 200).

    python bench/crash_soak.py --trials 200

Runs ``tests/test_faults.py::test_killed_import_leaves_the_store_exactly_as_before`` with
``WATCHLIST_CRASH_TRIALS`` set, and prints its summary line (kills, how each ended).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=200)
    args = parser.parse_args()
    env = {**os.environ, "WATCHLIST_CRASH_TRIALS": str(args.trials)}
    test = "tests/test_faults.py::test_killed_import_leaves_the_store_exactly_as_before"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", test], cwd=ROOT, env=env, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith(("crash:", "FAILED", "E ")) or "passed" in line]
    print("\n".join(lines) or done.stdout[-2000:])
    sys.exit(done.returncode)


if __name__ == "__main__":
    main()
