"""SVG snapshots of the main screens: the text each screenshot shows must match docs/screens/*.svg.

After an intended change, regenerate with ``python -m tests.screens`` and review the diff.
"""

from __future__ import annotations

import asyncio
import difflib

import pytest

from .screens import SCENARIOS, SCREENS_DIR, capture, prepare, screen_text


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_screen_matches_snapshot(name, seed_db_copy):
    prepare(seed_db_copy)
    svg = asyncio.run(capture(seed_db_copy, name))
    assert svg.startswith("<svg")
    expected = screen_text((SCREENS_DIR / f"{name}.svg").read_text(encoding="utf-8"))
    actual = screen_text(svg)
    diff = "\n".join(difflib.unified_diff(expected.splitlines(), actual.splitlines(), "committed", "now", lineterm=""))
    assert actual == expected, f"docs/screens/{name}.svg is stale (python -m tests.screens):\n{diff}"
