"""The command palette (ctrl+p): every action by name, and "go to entity" by fuzzy name."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from .actions import key_label, palette
from .safe import safe_text

if TYPE_CHECKING:
    from .app import WatchlistApp


class WatchlistCommands(Provider):
    """Actions, and entities found by the search engine."""

    @property
    def wl(self) -> WatchlistApp:
        return self.app  # type: ignore[return-value]

    async def discover(self) -> Hits:
        for a in palette():
            yield DiscoveryHit(a.palette, partial(self.wl.run_action, a.action), help=f"{a.help} ({key_label(a)})")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for a in palette():
            score = matcher.match(a.palette)
            if score > 0:
                yield Hit(score, matcher.highlight(a.palette), partial(self.wl.run_action, a.action), help=f"{a.help} ({key_label(a)})")
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
