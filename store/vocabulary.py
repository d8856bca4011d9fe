"""Rules about the data's own words, each in one place: HS codes as stored, and which addresses are precise enough to share.

(List codes and names live in :mod:`store.lists`; country names and the "same place" rule in :mod:`store.countries`.)
"""

from __future__ import annotations

import re

PSEUDO_CODES = ("TOTAL", "CHPL", "OTHER")  # trade figures that are not one HS code (all goods, CHPL items, other definitions)


def hs_code(text: str | None) -> str:
    """An HS code as stored: "8542.31", "8542 31" and "HS 8542.31" → "854231"; a pseudo code upper-cased.

    Only spaces, dots and an "HS" prefix are dropped: what is left is the code, or text a caller rejects (``isdigit``).
    """
    cleaned = re.sub(r"[\s.]", "", text or "")
    upper = cleaned.upper()
    if upper in PSEUDO_CODES:
        return upper
    return cleaned[2:] if upper.startswith("HS") and cleaned[2:].isdigit() else cleaned


# An address precise enough that sharing it means something: a number and more than a city name (``a``: the addresses row).
STREET_LEVEL = "a.norm GLOB '*[0-9]*' AND length(a.norm) >= 15"

# A name the user gave an entity (``user_aliases``), as the Aliases tab, search hits and exports show it.
USER_ALIAS_KIND = "your alias"
USER_ALIAS_LIST = "you"
