"""The key bar at the foot of every screen: Textual's Footer, rebuilt only when the keys it shows change."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's Footer rebuilds its keys (a widget each, each restyled) whenever the focus moves, even when the keys
    shown stay the same: on the entity screen that was half of a key press's time. This one rebuilds only on a change."""

    _shown: tuple = ()

    def bindings_changed(self, screen: Screen) -> None:
        """Rebuild when the shown keys, their labels or whether they are enabled differ from what is drawn."""
        if not (screen.app.app_focus and self.is_attached and screen is self.screen):
            super().bindings_changed(screen)  # not drawn now: Textual's own bookkeeping only
            return
        shown = tuple(
            (binding.key, binding.description, binding.action, binding.group, enabled, tooltip)
            for _node, binding, enabled, tooltip in screen.active_bindings.values()
            if binding.show or binding.action == "command_palette"
        )
        if shown == self._shown and self._bindings_ready:
            return
        self._shown = shown
        super().bindings_changed(screen)
