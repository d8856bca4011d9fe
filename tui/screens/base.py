"""What every screen of the explorer shares: the app, reachable from its worker threads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual._context import NoActiveAppError
from textual.screen import Screen

if TYPE_CHECKING:
    from ..app import WatchlistApp


NARROW = 120  # columns: below it a screen has the class "-narrow" (the app's breakpoint, app.tcss) and folds


class AppScreen(Screen):
    """A screen of the explorer. ``wl`` is the app, remembered when the screen is made: a worker thread still running
    after its screen closed (a load the user left behind) has neither the app's context nor a parent to find it by."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        try:
            self._wl: WatchlistApp | None = self.app  # type: ignore[assignment]
        except NoActiveAppError:
            self._wl = None  # made outside a running app: found once attached

    @property
    def wl(self) -> WatchlistApp:
        if self._wl is None:
            self._wl = self.app  # type: ignore[assignment]
        return self._wl  # type: ignore[return-value]
