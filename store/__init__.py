"""The watchlist store: schema, importers, search and queries (no UI imports here)."""

from .db import connect, default_path
from .errors import ImportFailed, ReadOnlyStore, StoreError

__all__ = ["ImportFailed", "ReadOnlyStore", "StoreError", "connect", "default_path"]
