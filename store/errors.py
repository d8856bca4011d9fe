"""Errors that reach the user as one line."""


def first_line(exc: BaseException, limit: int = 200) -> str:
    """The first line of an error's message, cut to ``limit`` characters; its type's name when it says nothing."""
    lines = str(exc).strip().splitlines()
    return lines[0][:limit] if lines else type(exc).__name__


class StoreError(Exception):
    """A problem with the store file itself (missing, corrupt, too new)."""


class ImportFailed(Exception):
    """An import that could not run at all; nothing was written."""


class ReadOnlyStore(StoreError):
    """The store file (or its folder) cannot be written: it can still be opened for browsing."""


class StoreBusy(StoreError):
    """Another process held the write lock for longer than this one would wait; nothing was changed."""


class BadOutput(Exception):
    """An output path that will not be written: a folder, a symbolic link."""
