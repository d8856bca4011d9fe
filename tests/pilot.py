"""Driving the app in tests: wait for it to be idle (workers done, their messages handled), never for a fixed time."""

from __future__ import annotations

from textual.app import App
from textual.pilot import Pilot
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
