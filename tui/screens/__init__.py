"""The explorer's screens: search, entity, goods, watchlist, and the dialogs."""
