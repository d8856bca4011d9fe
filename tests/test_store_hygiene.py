"""The store package must not load Textual or Rich (it serves the CLI, benches and scripts)."""

import subprocess
import sys


def test_store_imports_without_ui_libraries():
    code = (
        "import sys, watchlist.store, watchlist.store.search, watchlist.store.queries, watchlist.store.seed, watchlist.store.importers; "
        "bad = [m for m in ('textual', 'rich') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
