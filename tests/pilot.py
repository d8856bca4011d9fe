"""Driving the app in tests: wait for it to be idle (workers done, their messages handled), never for a fixed time."""

from __future__ import annotations

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerCancelled


def _busy(app: App) -> list:
    # a dialog's worker waits for the dialog to close: never wait on it here
    return [w for w in app.workers if not w.is_finished and not w.group.startswith("dialog")]


async def settle(app: App, pilot: Pilot) -> None:
    """Return once no worker is running and the messages they posted (and the workers those start) are handled."""
    for _ in range(100):
        await pilot.pause()  # the screen's pending messages are processed
        busy = _busy(app)
        if not busy:
            await pilot.pause()
            if not _busy(app):
                return
            continue
        try:
            await app.workers.wait_for_complete(busy)
        except WorkerCancelled:  # superseded by a newer search: fine
            pass
    raise AssertionError(f"the app did not settle: {_busy(app)}")


async def type_text(app: App, pilot: Pilot, text: str) -> None:
    """Put ``text`` in the focused box as a paste would (one change, one search), then settle.

    Typing key by key runs a search per key: one test does that (``test_type_sinno_and_open_the_entity_list_entry``).
    """
    await pilot.pause()  # a focus() just asked for lands first
    box = app.focused
    assert isinstance(box, Input), f"no text box has the focus: {box!r}"
    box.value = text
    box.cursor_position = len(text)
    await settle(app, pilot)


def notices(app: App) -> str:
    """Every notification the app has shown (and not yet dismissed), as one text."""
    return " ".join(str(n.message) for n in app._notifications)
