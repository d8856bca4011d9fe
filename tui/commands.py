"""The command palette (ctrl+p): every action by name, and "go to entity" by fuzzy name."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from .safe import safe_text

if TYPE_CHECKING:
    from .app import WatchlistApp

# (title, action on the app, help)
ACTIONS: list[tuple[str, str, str]] = [
    ("Goods browser", "goods", "HS sections, chapters, headings with CHPL tiers; suppliers per code (g)"),
    ("Watchlist", "watchlist", "Your starred entities, notes, and what changed since (W)"),
    ("What's new", "changes", "What changed between list snapshots: added, changed, removed (N)"),
    ("Same entity? review", "resolve", "Records on different lists that may be one entity: say same or different (R)"),
    ("Screening runs", "screenings", "Triage screening runs: match, no match, review; export the audit record (S)"),
    ("Review links", "links", "Shipment parties linked to entities: confirm or reject proposals (L)"),
    ("Star or unstar", "star", "Put the current entity on your watchlist or take it off (w)"),
    ("Edit note", "note", "Write a note on the current entity (n)"),
    ("Edit tags", "tags", "Tag the current entity; it is starred too (t)"),
    ("Copy name", "copy_name", "Copy the current entity's name to the clipboard (c)"),
    ("Copy summary", "copy_summary", "Copy a one-paragraph summary with listings and sources (y)"),
    ("Export", "export", "Export the results or the entity dossier as CSV, JSON or Markdown (e)"),
    ("Help", "help", "Every key and the search syntax (F1, ?)"),
    ("Search", "search", "Back to the search box"),
    ("Quit", "quit", "Leave watchlist (q, ctrl+q)"),
]


class WatchlistCommands(Provider):
    """Actions, and entities found by the search engine."""

    @property
    def wl(self) -> WatchlistApp:
        return self.app  # type: ignore[return-value]

    async def discover(self) -> Hits:
        for title, action, help_text in ACTIONS:
            yield DiscoveryHit(title, partial(self.wl.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in ACTIONS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self.wl.run_action, action), help=help_text)
        index = self.wl.index
        if index is None or len(query.strip()) < 2:
            return
        result = await asyncio.to_thread(index.search, query, limit=8)
        for hit in result.hits if result else []:
            # Data goes only into the Text prompt: the palette parses ``help`` as markup.
            label = Text("Go to entity: ") + Text(safe_text(hit.name), style="bold")
            if hit.lists:
                label.append("  " + " ".join(safe_text(c) for c in hit.lists), style="dim")
            if hit.matched_name != hit.name:
                label.append("  ← " + safe_text(hit.matched_name), style="italic dim")
            yield Hit(hit.score / 100 * 0.9, label, partial(self.wl.open_entity, hit.entity_id, "Palette"), text=f"Go to entity: {safe_text(hit.name)}")
