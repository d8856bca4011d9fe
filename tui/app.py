"""Placeholder until the explorer lands."""

from pathlib import Path

from textual.app import App


class WatchlistApp(App):
    """The explorer."""

    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self.db_path = db_path
