"""python -m watchlist.tui: the watchlist command."""

from .cli import main

main()
