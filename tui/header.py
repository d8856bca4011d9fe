"""The screens' header: Textual's, with its title updated only while it has one to update.

Textual's ``Header`` updates its title from a watcher that can run after the header's children are gone (a screen
being closed, the app quitting just after a title change): ``query_one`` then raised ``NoMatches`` and the app
stopped with a traceback. This one skips the update then.
"""

from __future__ import annotations

from textual.dom import NoScreen
from textual.events import Mount
from textual.widget import Widget
from textual.widgets import Header as TextualHeader


class Header(TextualHeader):
    """Textual's header, safe to retitle while it is torn down."""

    def _on_mount(self, event: Mount) -> None:
        event.prevent_default()  # Textual's Header._on_mount is not run: it registers these watchers, unguarded
        Widget._on_mount(self, event)  # what else prevent_default skips

        async def set_title() -> None:
            try:
                title = self.format_title()
            except NoScreen:
                return
            for widget in self.query("HeaderTitle"):  # none while it is torn down
                widget.update(title)  # type: ignore[attr-defined]

        self.watch(self.app, "title", set_title)
        self.watch(self.app, "sub_title", set_title)
        self.watch(self.screen, "title", set_title)
        self.watch(self.screen, "sub_title", set_title)
