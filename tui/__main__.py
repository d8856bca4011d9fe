"""python -m tui: the watchlist command."""

from .cli import main

main()
