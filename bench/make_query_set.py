"""Build tests/data/search_queries.csv: labelled queries from the real seed store.

Run: python bench/make_query_set.py [--db PATH]. Deterministic (fixed random seed).
Positives come from CN/HK companies on the lists: every listed alias as typed, and human variants
of primary names (typo, legal suffix dropped, word order, HK ↔ Hong Kong, city prefix dropped).
A query's answer is every entity carrying a name with the same normalised form as the name it was
made from, or as the query itself (the same firm on two lists is two entities until resolution
merges them, and a name typed exactly as listed is a right answer).
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sqlite3
from collections import defaultdict
from pathlib import Path

from watchlist.store.normalize import PLACES, analyze

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "search_queries.csv"
LEGAL_RE = re.compile(
    r"[,.]?\s*\b(co\.?,?\s*ltd\.?|company limited|co\.?,?\s*limited|limited|ltd\.?|inc\.?|"
    r"corporation|corp\.?|llc|group)\s*[,.]*\s*$",
    re.I,
)


def typo(word: str, rng: random.Random) -> str:
    """One human slip: swap, drop or double a letter away from the first one."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["swap", "drop", "double"])
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def variants(name: str, rng: random.Random) -> list[tuple[str, str]]:
    """Human variants of one primary name, each tagged with its class."""
    out = []
    bare = LEGAL_RE.sub("", name).strip(" ,.")
    if bare and bare != name:
        out.append(("no_suffix", bare))
    words = bare.split()
    core = analyze(name).core.split()
    if core:
        target = max(core, key=len)
        typed = [typo(w, rng) if w.lower() == target else w for w in words]
        if typed != words:
            out.append(("typo", " ".join(typed)))
    if len(words) >= 2:
        out.append(("word_order", " ".join(words[1:] + words[:1])))
    if re.search(r"\(?H\.?K\.?\)?|Hong Kong", name, re.I):
        swapped = re.sub(r"\(H\.K\.\)|\bHK\b|\(HK\)", "Hong Kong", name) if "Hong Kong" not in name else name.replace("Hong Kong", "HK")
        if swapped != name:
            out.append(("hk_variant", swapped))
    if words and words[0].lower() in PLACES and len(words) > 2:
        out.append(("no_city", " ".join(words[1:])))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True, help="a store built from seed/")
    args = parser.parse_args()
    conn = sqlite3.connect(args.db)
    rng = random.Random(20261128)
    by_latn: dict[str, set[str]] = defaultdict(set)
    for key, latn in conn.execute("SELECT e.key, n.latn FROM names n JOIN entities e ON e.id = n.entity_id"):
        by_latn[latn].add(key)
    rows = []
    ents = conn.execute(
        "SELECT e.id, e.key, e.name FROM entities e WHERE e.kind = 'company' AND (e.countries LIKE '%CN%' OR"
        " e.countries LIKE '%HK%') AND EXISTS (SELECT 1 FROM listings l WHERE l.entity_id = e.id) ORDER BY e.id"
    ).fetchall()
    for eid, key, name in ents:
        answer = by_latn[analyze(name).latn] | {key}
        for (alias,) in conn.execute("SELECT DISTINCT name FROM names WHERE entity_id = ? AND kind != 'primary'", (eid,)):
            if len(alias) >= 4:
                rows.append((alias, "aka", ";".join(sorted(by_latn[analyze(alias).latn] | {key}))))
        for cls, text in variants(name, rng):
            rows.append((text, cls, ";".join(sorted(answer | by_latn.get(analyze(text).latn, set())))))
    rows = sorted(set(rows), key=lambda r: (r[1], r[0]))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["query", "class", "expected_keys"])
        writer.writerows(rows)
    print(f"{len(rows)} queries from {len(ents)} CN/HK listed companies → {OUT}")


if __name__ == "__main__":
    main()
