"""The watchlist terminal app and command line."""
