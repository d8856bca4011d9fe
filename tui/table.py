"""The one table widget of the app: Textual's DataTable, redrawn whole when its columns are re-measured."""

from __future__ import annotations

from collections.abc import Iterable

from textual.widgets import DataTable
from textual.widgets._data_table import RowKey


class Table(DataTable):
    """A DataTable whose header follows its column widths.

    DataTable measures new rows when it is next idle and widens its columns, but it caches rendered cells per
    "update count", not per width; when a frame is drawn between ``add_row`` and that idle moment (a loaded
    machine), the header stays at the old widths over rows drawn at the new ones. Counting the re-measure as
    an update redraws every cell at the widths the rows have.
    """

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        super()._update_dimensions(new_rows)
        self._update_count += 1
