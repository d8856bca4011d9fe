"""Misspelling lookup (store/typos.py) on the real seed vocabulary, and through search."""

from __future__ import annotations

import random
import sqlite3

import pytest

from watchlist.store.index_file import open_index
from watchlist.store.search import SearchIndex
from watchlist.store.typos import LETTERS, TWO_EDITS_FROM, TypoIndex, edits1


@pytest.fixture(scope="module")
def index(seed_db_path):
    conn = sqlite3.connect(seed_db_path)
    yield open_index(conn)
    conn.close()


def test_one_edit_variants_are_every_slip_but_the_first_letter():
    variants = edits1("sinno", 1, 6)
    assert {"sino", "sinon", "simno", "sinnos", "sinnno"} <= variants  # drop, swap, replace, add at the end, double
    assert "sinno" not in variants and not any(v[0] != "s" for v in variants)
    assert edits1("sinno", 0, 1) >= {"inno", "isnno", "xinno", "asinno"}  # only the first letter moves
    dropped, replaced = {"a"}, {"a" + c for c in LETTERS}
    added = {"a" + c + "b" for c in LETTERS} | {"ab" + c for c in LETTERS}
    assert edits1("ab", 1, 3) == (dropped | replaced | added) - {"ab"}  # exactly these, nothing else


def test_every_one_edit_slip_of_a_real_word_finds_it(index: SearchIndex):
    rng = random.Random(3)
    words = [w for w in index.vocab if len(w) >= 5 and w.isalpha()]
    missed = []
    for word in rng.sample(words, 300):
        i = rng.randrange(1, len(word))
        slip = word[:i] + rng.choice("aeiouxz") + word[i + 1 :]
        if slip != word and slip not in index._typos.words and word not in {w for w, _ in index._typos.neighbours(slip)}:
            missed.append((word, slip))
    assert not missed


def test_two_slips_in_a_long_word_are_found_when_nothing_is_one_slip_away(index: SearchIndex):
    near = dict(index._typos.neighbours("rosobornexprot"))  # a letter dropped and two swapped
    assert len("rosobornexprot") >= TWO_EDITS_FROM and near.get("rosoboronexport") == 2
    assert [h.name for h in index.search("Rosobornexprot ").hits][:1] == ["ROSOBORONEKSPORT OAO"]
    assert dict(index._typos.neighbours("rosoboronexprt")) == {"rosoboronexport": 1}  # one slip: the two-slip scan is skipped


def test_indexed_deletes_find_the_same_words_as_generated_variants(index: SearchIndex):
    """Once a vocabulary's deletes are indexed (screening's listed words, after many lookups), a word's one-edit
    neighbours are exactly those its generated variants found: slips, the words themselves, words that are not near."""
    rng = random.Random(5)
    words = [w for w in index.vocab if len(w) >= 4]
    generated, indexed = TypoIndex(words), TypoIndex(words, deletes_after=0)
    asked = []
    for word in rng.sample(words, 400):
        i = rng.randrange(1, len(word))
        asked += [word, word[:i] + rng.choice("aeiouxz") + word[i + 1 :], word[:i] + word[i + 1 :], word[:i] + "q" + word[i:]]
        asked.append(word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :])  # two letters swapped (the first may move)
    asked += ["qqqq", "zzzzzzzzzzzzzz", "sinno", "sinnno"]
    found = 0
    for word in asked:
        expected = generated.neighbours(word)
        assert indexed.neighbours(word) == expected, word
        found += bool(expected)
    assert indexed._deletes is not None and generated._deletes is None  # the first looked words up in its index
    assert found > len(asked) // 2  # most asked words have neighbours: the comparison is not of empty lists
