"""Misspelling lookup over the search vocabulary: the words one or two edits from a query word.

One edit (a letter dropped, added, replaced, or two neighbours swapped) is found exactly by
generating every such variant of the word and keeping those in the vocabulary (a hash set): about
70 lookups a letter, tens of microseconds whatever the size of the vocabulary. A vocabulary asked
many times (screening a large file against listed names' words) indexes its words' deletes once
(SymSpell's idea): a word's own deletes then find its neighbours in about a tenth of the time.

Two edits, for words of 8 letters or more, are looked for only when nothing is one edit away
(SymSpell's "closest" rule): rapidfuzz's OSA distance over the words of the same first letter and
the same length, then a length one and two off, until 4,000 words have been compared. A store of
real names rarely reaches that budget; a million generated pinyin names does, at the same length.

The first letter is held fixed (people rarely get it wrong); ``first=True`` asks for the variants
that change only the first letter, tried when nothing good came back otherwise.
"""

from __future__ import annotations

import bisect
from array import array

from rapidfuzz import process
from rapidfuzz.distance import OSA

LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"  # the alphabet of folded tokens
TWO_EDITS_FROM = 8  # words this long may be two edits away
TWO_EDITS_BUDGET = 4_000  # words compared in a two-edit scan (a dense vocabulary has many of one length)
PER_DISTANCE = 50  # neighbours kept at each distance (closest first, then vocabulary order)
DELETES_AFTER = 2_000  # one-edit lookups after which an indexed vocabulary's deletes are indexed (0.5 s for 34,000 words)
_HASH_BITS = 42  # a delete's hash bits kept in a key of the deletes index (the word's position takes the other 21)
_ID_BITS = 21


def edits1(word: str, start: int, stop: int) -> set[str]:
    """Every string one edit from ``word`` whose edit starts at a position in ``start..stop-1``."""
    out: set[str] = set()
    for i in range(start, min(stop, len(word) + 1)):
        head, tail = word[:i], word[i:]
        for c in LETTERS:
            out.add(head + c + tail)  # insert before position i
        if tail:
            rest = tail[1:]
            out.add(head + rest)  # delete
            if rest:
                out.add(head + rest[0] + tail[0] + rest[1:])  # swap with the next letter
            for c in LETTERS:
                out.add(head + c + rest)  # replace
    out.discard(word)
    return out


def _deletes(word: str) -> set[str]:
    """The word and every string one letter shorter than it, its first letter kept."""
    return {word, *(word[:i] + word[i + 1 :] for i in range(1, len(word)))}


def _key(text: str) -> int:
    """``text``'s hash, cut to the bits a deletes-index key holds (a process's own: the index is never saved)."""
    return hash(text) & ((1 << _HASH_BITS) - 1)


class TypoIndex:
    """The vocabulary as a set (one-edit lookups) and in buckets by length and first letter (two-edit scans).

    ``deletes_after``: after that many one-edit lookups, the words' deletes are indexed for the next ones (a vocabulary
    of fewer than 2^21 words; screening's listed words: 34,000 at 1M entities; ``DELETES_AFTER``); ``None``: never.
    """

    def __init__(self, vocab: list[str], deletes_after: int | None = None) -> None:
        self.vocab = vocab  # the set and the buckets are made at the first lookup: opening a saved index stays quick
        self._words: set[str] | None = None
        self._buckets: dict[tuple[int, str], list[str]] | None = None
        self._deletes_after = deletes_after if len(vocab) < 1 << _ID_BITS else None
        self._lookups = 0  # one-edit lookups by generating variants
        self._deletes: array | None = None  # sorted keys: a delete's hash bits, then the position of its word

    @property
    def words(self) -> set[str]:
        if self._words is None:
            self._words = set(self.vocab)
        return self._words

    @property
    def buckets(self) -> dict[tuple[int, str], list[str]]:
        if self._buckets is None:
            buckets: dict[tuple[int, str], list[str]] = {}
            for word in self.vocab:
                if len(word) >= TWO_EDITS_FROM - 2:
                    buckets.setdefault((len(word), word[0]), []).append(word)
            self._buckets = buckets
        return self._buckets

    def warm(self) -> None:
        """Make the set and the buckets now (before forked workers, which would each make their own)."""
        if not self.warmed:
            _ = (self.words, self.buckets)

    @property
    def warmed(self) -> bool:
        """True once the set and the buckets are made."""
        return self._words is not None and self._buckets is not None

    def neighbours(self, word: str, first: bool = False) -> list[tuple[str, int]]:
        """Vocabulary words near ``word``: (word, edits), closest first, at most ``PER_DISTANCE`` per distance."""
        if first:
            return [(w, 1) for w in sorted(edits1(word, 0, 1) & self.words)][:PER_DISTANCE]
        one = self._one_edit(word)[:PER_DISTANCE]
        if one or len(word) < TWO_EDITS_FROM:
            return [(w, 1) for w in one]
        two: list[str] = []
        compared = 0
        for n in sorted(range(len(word) - 2, len(word) + 3), key=lambda n: abs(n - len(word))):  # same length first
            bucket = self.buckets.get((n, word[0]), ())
            if compared and compared + len(bucket) > TWO_EDITS_BUDGET:
                break
            compared += len(bucket)
            two += (w for w, _, _ in process.extract(word, bucket, scorer=OSA.distance, score_cutoff=2, limit=None))
        return [(w, 2) for w in sorted(two)[:PER_DISTANCE]]

    def _one_edit(self, word: str) -> list[str]:
        """The vocabulary's words one edit from ``word`` not at its first letter, sorted."""
        if self._deletes is None and self._deletes_after is not None and self._lookups >= self._deletes_after:
            self._deletes = array("q", sorted((_key(d) << _ID_BITS) | k for k, w in enumerate(self.vocab) for d in _deletes(w)))
        if self._deletes is None:
            self._lookups += 1
            return sorted(edits1(word, 1, len(word) + 1) & self.words)
        # one edit apart (not at the first letter) ⇔ a delete of one is the other, or they share a delete; a shared hash
        # that is not a shared delete is told apart by the distance
        keys, vocab, found = self._deletes, self.vocab, set()
        for d in _deletes(word):
            h = _key(d)
            i = bisect.bisect_left(keys, h << _ID_BITS)
            while i < len(keys) and keys[i] >> _ID_BITS == h:
                found.add(vocab[keys[i] & ((1 << _ID_BITS) - 1)])
                i += 1
        found.discard(word)
        first = word[0]
        return sorted(w for w in found if w[0] == first and OSA.distance(word, w, score_cutoff=1) <= 1)
