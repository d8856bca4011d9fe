"""The weighing rule as it reads, checked against the index's kept-per-query version on the seed's names.

``SearchIndex.weigh`` keeps, per query, what each word of a name is worth against it, and per name its words' runs:
these tests compare it with the rule computed afresh for every pair, as ``_covered`` was written before it was kept.
"""

from __future__ import annotations

import bisect
import math
import random
import sqlite3
from itertools import pairwise

import pytest
from rapidfuzz import fuzz

from watchlist.store.index_file import open_index
from watchlist.store.search import (
    _PLACE_COUNTRY,
    COMMON_F,
    FORM_MISS,
    LEGAL_F,
    NAME_MISS,
    PLACES_F,
    QUERY_MISS,
    SAME_WORDS,
    SWAP_MISS,
    WEAK_CAP,
    SearchIndex,
    _closest,
    _jurisdictions,
    query_keys,
)


@pytest.fixture(scope="module")
def index(seed_db_path):
    conn = sqlite3.connect(seed_db_path)
    yield open_index(conn)
    conn.close()


def covered(index: SearchIndex, words: list[str], other: list[str], countries: tuple[str, ...]) -> tuple[float, bool]:
    """The share of ``words`` found in ``other`` (by rarity) and whether a non-place word was not found at all."""
    found = [False] * len(words)
    targets = {"".join(other[i : i + n]) for n in (1, 2, 3, 4) for i in range(len(other) - n + 1)}
    for n in (4, 3, 2):
        for i in range(len(words) - n + 1):
            if "".join(words[i : i + n]) in targets:
                found[i : i + n] = [True] * n
    near = [t for t in targets if len(t) >= 4]
    total = got = 0.0
    stray = False
    for i, word in enumerate(words):
        weight = index._weight(word)
        total += weight
        if found[i] or word in targets or (countries and _PLACE_COUNTRY.get(word) in countries):
            got += weight
            continue
        best = _closest(word, near if len(word) >= 5 else [t for t in near if len(t) >= 5]) if len(word) >= 4 else 0.0
        if best >= 80:
            got += weight * best / 100
        elif word not in PLACES_F:
            stray = True
    return (got / total if total else 1.0), stray


def weigh(index: SearchIndex, latn: str, nid: int, base: float, typing: bool) -> float:
    if base >= 100.0 or base <= 0.0:
        return base
    qwords = [t for t in latn.split() if t not in LEGAL_F]
    words = [t for t in index.latn(nid).split() if t not in LEGAL_F]
    if not qwords or not words:
        return base
    if typing:
        qwords = [*qwords[:-1], next((w for w in words if w.startswith(qwords[-1])), qwords[-1])]
    query_found, query_stray = covered(index, qwords, words, index.countries[index.name_entity[nid]])
    name_found, name_stray = covered(index, words, qwords, ())
    score = base - QUERY_MISS * (1 - query_found) - NAME_MISS * (1 - name_found)
    laws, theirs = _jurisdictions(latn), _jurisdictions(index.latn(nid))
    if laws and theirs and not laws & theirs:
        score -= FORM_MISS
    if query_stray and name_stray:
        score -= SWAP_MISS
    if (
        min(query_found, name_found) < SAME_WORDS
        and all(t in COMMON_F for t in words)
        and {t for t in qwords if t not in PLACES_F} != {t for t in words if t not in PLACES_F}
    ):
        score = min(score, WEAK_CAP)
    return max(0.0, score)


def _queries(index: SearchIndex, rng: random.Random, count: int) -> list[str]:
    """Queries as people type them: names of the index cut short, a letter dropped, words run together or reordered."""
    out = []
    for _ in range(count):
        words = index.latn(rng.randrange(len(index))).split()
        roll = rng.random()
        if roll < 0.25 and words:
            w = max(range(len(words)), key=lambda i: len(words[i]))
            words[w] = words[w][:1] + words[w][2:]
        elif roll < 0.5 and len(words) > 2:
            words = [words[0] + words[1], *words[2:]]
        elif roll < 0.75 and len(words) > 1:
            words = words[1:] + words[:1]
        text = " ".join(words)
        out.append(text[: rng.randint(3, max(3, len(text)))])
    return out


def test_the_kept_weighing_is_the_rule_for_every_candidate(index):
    """Each query weighs its real candidates (typed or finished, with and without a floor, from what was kept): the same score as the
    rule, or, with a floor, below the floor when the rule is."""
    rng = random.Random(5)
    compared = 0
    for text in _queries(index, rng, 60):
        for typing in (True, False):
            q = query_keys(text)[0]
            if not q.latn:
                continue
            nids = index._candidates(q, typing, lambda e: True)[:60]
            for floor, nid in [(50.0, n) for n in nids] + [(0.0, n) for n in nids] + [(50.0, n) for n in nids]:
                # first with a floor (weighing may stop early), then without (from what was kept, or finished), then again
                base = fuzz.ratio(q.latn, index.latn(nid)) * 0.9 + 5 + floor / 10  # any base inside (0, 100) exercises the penalties
                rule = weigh(index, q.latn, nid, base, typing)
                score = index.weigh(q, nid, base, typing, floor)
                if rule >= floor:
                    assert score == pytest.approx(rule, abs=1e-9), (text, index.latn(nid))
                else:  # below the floor it is only said to be below it
                    assert score < floor, (text, index.latn(nid), score, rule)
                compared += 1
    assert compared > 5000


def test_runs_of_words_and_close_spellings_count_both_ways(index):
    """The cases the kept version treats apart: a name's words run together as a query word, and the reverse."""
    for text in ("xin rui tai", "xinruitai", "sinno electronic", "sino electronics", "world jeta hk logistic", "hong kong shijieda"):
        q = query_keys(text)[0]
        for nid in index._candidates(q, False, lambda e: True)[:100]:
            assert index.weigh(q, nid, 90.0) == pytest.approx(weigh(index, q.latn, nid, 90.0, False), abs=1e-9), (text, index.latn(nid))


def test_batch_scoring_is_the_base_score_of_each_name(index):
    """``_score_batch`` (typing and finished) gives each name ``base_score`` exactly, and leaves out only names below the floor."""
    rng = random.Random(7)
    for text in _queries(index, rng, 40):
        for typing in (True, False):
            q = query_keys(text)[0]
            if not q.latn:
                continue
            nids = index._candidates(q, typing, lambda e: True)
            every = dict(index._score_batch(q, nids, 0.0, typing))
            assert every.keys() == set(nids)
            for nid in nids:
                assert every[nid] == SearchIndex.base_score(q, index.latn(nid), index.core(nid), typing), (text, index.latn(nid))
            kept = dict(index._score_batch(q, nids, 60.0, typing))
            assert {n for n, s in every.items() if s >= 60.0} <= kept.keys()


def _candidates_word_by_word(index: SearchIndex, q, typing: bool, budget: int) -> dict[int, float]:
    """Each name's weight as candidate, as first written: every word of a term's expansion its own postings, heaviest
    first (the last completion before the first), each taken while the budget lasts, a name keeping its best variant's."""
    core = list(dict.fromkeys(q.core.split()))
    last = q.latn.split()[-1]
    terms = [(t, typing and t == last, True) for t in core] + ([(q.joined, typing, False)] if len(core) > 1 else [])
    expanded = []
    at = index._post_at
    for t, p, typos in terms:
        words = []
        for w, s, e in index._expand(t, p, False, typos)[1]:  # each word of a range on its own
            j = bisect.bisect_left(at, s)
            while at[j] < e:
                words.append((w, at[j], at[j + 1]))
                j += 1
        words.sort(reverse=True)  # heaviest first, then the last word first
        expanded.append((sum(e - s for _, s, e in words), words))
    expanded.sort(key=lambda x: x[0])
    acc: dict[int, float] = {}
    spent = 0
    for size, words in expanded:
        if spent and spent + size > budget:
            break
        idf = math.log(1 + len(index) / max(1, size))
        term: dict[int, float] = {}
        for weight, s, e in words:
            take = min(e - s, budget - spent)
            if take <= 0:
                break
            spent += take
            for nid in index._post[s : s + take]:
                term[nid] = max(term.get(nid, 0.0), weight * idf)
        for nid, w in term.items():
            acc[nid] = acc.get(nid, 0.0) + w
    return acc


def test_completions_read_as_one_range_are_the_words_read_one_by_one(index):
    """A prefix's completions, read as one range of postings, make the same candidates with the same weights as reading
    them word by word did: with the whole budget and with one that cuts the term short (then word by word, the last
    completion first)."""
    rng = random.Random(13)
    ranges = 0
    for text in _queries(index, rng, 80):
        q = query_keys(text)[0]
        if not q.latn:
            continue
        ranges += any(len(index._per_word([p])) > 1 for t in q.core.split() for p in index._expand(t, True, False, True)[1])
        for budget in (30_000, 300, 40):
            got = index._candidates(q, True, lambda e: True, budget=budget, keep=10**9)
            weights = _candidates_word_by_word(index, q, True, budget)
            assert set(got) == set(weights), (text, budget)
            in_order = [weights[nid] for nid in got]
            assert all(a >= b - 1e-9 for a, b in pairwise(in_order)), (text, budget)
    assert ranges > 20


def test_screening_reads_the_listed_names_of_each_posting_both_ways(index):
    """Screening's postings (listed names only) are the listed names among every word's postings, made either way."""
    mask = index.listed_names()
    post, at = index._post, index._post_at
    kept, kept_at = index._postings_kept(mask)
    assert (kept, kept_at) == index._postings_of(mask)
    assert 0 < len(kept) < len(post)
    for j in range(0, len(index.vocab), 7):
        assert kept[kept_at[j] : kept_at[j + 1]].tolist() == [n for n in post[at[j] : at[j + 1]] if mask[n]], index.vocab[j]
    listed = index.listed_postings()
    for j in range(0, len(index.vocab), 5):  # the first part of a word's postings, as a budget cuts it
        s, e = at[j], at[j + 1]
        for cut in range(s + 1, min(e, s + 12)):
            assert index._listed_part(listed, s, cut).tolist() == [n for n in post[s:cut] if mask[n]]
        far = at[min(j + 4, len(index.vocab))]  # several whole words side by side (a prefix's completions)
        assert index._listed_part(listed, s, far).tolist() == [n for n in post[s:far] if mask[n]]


def test_screening_looks_for_misspellings_among_the_words_of_listed_names(index):
    """Only listed names can match a screened row: a large file's misspellings are looked up among their words only (at
    1M entities, one listed in fifty, 34,000 words of 1.1M), so a word only unlisted names have is never proposed."""
    kept_at = index.listed_postings()[1]
    listed_words = [w for w, (s, e) in zip(index.vocab, pairwise(kept_at), strict=True) if e > s]
    typos = index.listed_typos()
    assert typos.vocab == listed_words and typos is index.listed_typos()  # made once
    unlisted = sorted(set(index.vocab) - set(listed_words))
    assert unlisted  # the seed's context records (a source's unlisted entities) have words of their own
    for word in [w for w in unlisted + listed_words[::2000] if len(w) >= 5]:
        slip = word[:3] + ("x" if word[3] != "x" else "z") + word[4:]
        assert word in {w for w, _ in index._typos.neighbours(slip)}, word
        assert (word in {w for w, _ in typos.neighbours(slip)}) is (word in listed_words), word


def test_screening_candidates_are_the_listed_ones_of_all(index):
    """Screening's candidates, read from the listed postings (a large file) or masked as read (a small one), are those
    every posting gives filtered to listed names, in the same order: with the whole budget and with one that cuts the
    first word short. (A large file's misspellings are looked up among listed names' words, which on the seed are all
    but three: the test above.)"""
    rng = random.Random(9)
    every = 0
    made = index._listed_post
    try:
        for text in _queries(index, rng, 80):
            q = query_keys(text)[0]
            if not q.latn:
                continue
            for wide, budget in ((False, 30_000), (True, 30_000), (False, 40)):
                plain = index._candidates(q, False, lambda e: index.is_listed(e), wide, True, 100, budget)
                index._listed_post = None  # masked
                assert index._candidates(q, False, index.only_listed, wide, True, 100, budget) == plain, (text, wide, budget)
                index.listed_postings()
                assert index._candidates(q, False, index.only_listed, wide, True, 100, budget) == plain, (text, wide, budget)
                every += bool(plain)
    finally:
        index._listed_post = made
    assert every > 100
