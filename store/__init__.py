"""The watchlist store: schema, importers, search and queries (no UI imports here)."""

from .db import default_path
from .errors import ImportFailed, ReadOnlyStore, StoreError
from .upgrade import connect

__all__ = ["ImportFailed", "ReadOnlyStore", "StoreError", "connect", "default_path"]
