"""The search engine: an in-memory index of the distinctive words of every name, rescored with rapidfuzz.

Only each name's *core* (its trade name: no legal form, place or industry word, see
``normalize.py``) is indexed, as tokens plus the joined core, so "Xin Rui Tai" meets "Xinruitai".
A query's core terms generate candidates: exact tokens, prefixes of the word being typed, and one-
or two-edit typos (``typos.py``; the first letter is held, then, when nothing good came back, a
slip in the first letter is tried). Each term weighs by how rare it is with all its variants, a
variant less than the word itself. The best few hundred candidates are rescored with
``0.7·max(WRatio, ratio)(core) + 0.3·(token_set + token_sort without legal forms)`` in chunks,
between which the caller's ``cancelled()`` is checked (a finished query is scored in rapidfuzz
batch calls, bounds first), then grouped by entity.

Memory is kept flat so a million entities fit: keys live in two large strings with offset arrays,
postings in one CSR array, entity attributes in interned tuples; display names are read back from
the store only for the hits shown (``research/name-matching.md`` measures the alternatives).
"""

from __future__ import annotations

import bisect
import math
import re
import sqlite3
import threading
import time
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, chain, compress, filterfalse, groupby, islice, pairwise, repeat
from operator import add, itemgetter, not_
from pathlib import Path
from typing import TypeVar, cast

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from .db import gc_paused, open_readonly
from .errors import StoreError
from .normalize import COMMON_WORDS, GENERIC, LEGAL, PLACES, NameKeys, analyze, roman_fold, unslip, variants
from .typos import DELETES_AFTER, TypoIndex
from .vocabulary import USER_ALIAS_KIND, hs_code

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

# The word lists as the index folds its keys (``roman_fold``: "russia" is "russya" there).
MIN_SCORE = 50.0  # the lowest score search reports (the CLI's --min-score default)
LEGAL_F = frozenset(map(roman_fold, LEGAL))
PLACES_F = frozenset(map(roman_fold, PLACES))
GENERIC_F = frozenset(map(roman_fold, GENERIC))
COMMON_F = frozenset(map(roman_fold, COMMON_WORDS)) | GENERIC_F

MAX_QUERY = 256  # characters of a query that are read; the rest is ignored
CANDIDATES = 400  # names rescored per query
CHUNK = 64  # names scored between two cancel checks
BUDGET = 30_000  # postings read per query (rarest terms first)
SIDES_KEPT = 512  # queries' words kept with what weighing names against them found
RUNS_KEPT = 20_000  # names kept as weighing reads them (see SearchIndex.weigh)
LISTED_FEW = 0.2  # below this share of names listed, screening's postings are made from the listed names (see listed_postings)
PLACES_KEPT = 64  # places whose entities are kept (see SearchIndex.search)
SUMS_KEPT = 8  # the words typed whose candidates' sums are kept (see SearchIndex._candidates: about 2 MB each at 1M)
TYPO_BELOW = 2_000  # a word found as typed is also looked up with typos if it is in fewer names than this
PREFIX_FANOUT = 300  # vocabulary tokens one prefix may expand to
QUERY_MISS = 30.0  # points a query's words cost when none is in the name (each word by its share of the rarity)
NAME_MISS = 15.0  # points a name's words cost when none is in the query
SWAP_MISS = 10.0  # points a word put for another costs on top (one different distinctive word stays below 85)
FORM_MISS = 20.0  # points legal forms of two different countries' law cost
WEAK_CAP = 75.0  # the most a name made only of common words scores unless the query says the same words
SAME_WORDS = 0.85  # a weak name matches a query whose words and its own cover each other this well (by rarity)
NOT_COMPANIES = frozenset({"person", "vessel", "aircraft"})  # what a query with a legal form does not match


@dataclass(slots=True)
class Filters:
    """Restrictions combinable with any query."""

    countries: set[str] = field(default_factory=set)
    lists: set[str] = field(default_factory=set)
    status: str | None = None  # "active" or "removed"
    kinds: set[str] = field(default_factory=set)
    hs_chapter: str | None = None
    tier: str | None = None
    watchlist: bool = False

    def empty(self) -> bool:
        """True when nothing is filtered."""
        return not (self.countries or self.lists or self.status or self.kinds or self.hs_chapter or self.tier or self.watchlist)


@dataclass(slots=True)
class Hit:
    """One entity found, with the name that matched and why."""

    entity_id: int
    key: str
    name: str
    matched_name: str
    matched_kind: str
    score: float
    lists: list[str]
    removed_lists: list[str]
    countries: list[str]
    kind: str
    tiers: list[str]
    listed: str  # latest listing start date ("" if none)
    records: list[str] = field(default_factory=list)  # keys of the list records resolved into this entity

    @property
    def status(self) -> str:
        """ "active" if any listing is active, "removed" if all are, "" if never listed."""
        return "active" if self.lists else ("removed" if self.removed_lists else "")

    def as_dict(self) -> dict:
        """The stable JSON shape of a hit."""
        return {
            "id": self.entity_id,
            "key": self.key,
            "name": self.name,
            "matched_name": self.matched_name,
            "matched_kind": self.matched_kind,
            "score": round(self.score, 1),
            "lists": self.lists,
            "removed_lists": self.removed_lists,
            "status": self.status,
            "countries": self.countries,
            "kind": self.kind,
            "chpl_tiers": self.tiers,
            "listed": self.listed,
            "records": self.records or [self.key],
        }


@dataclass(slots=True)
class SearchResult:
    """Hits for one query, with facet counts over every match (not only the shown ones).

    ``more``: only the likeliest names were scored (``CANDIDATES``) and others were left, so more entities may match
    than ``total`` says (a broad query: "bank", "dragon gate"); ``SearchIndex.search(..., complete=True)`` scores them all.
    """

    query: str
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]
    elapsed_ms: float
    more: bool = False

    def as_dict(self) -> dict:
        """The stable JSON shape of a result."""
        return {
            "query": self.query,
            "elapsed_ms": round(self.elapsed_ms, 2),
            "total": self.total,
            "more": self.more,
            "facets": self.facets,
            "results": [h.as_dict() for h in self.hits],
        }


class Ranked(list[T]):
    """Names or entities best first (``SearchIndex._candidates``: name numbers; ``SearchIndex.ranked``: (entity, name
    number, score)), and whether names the query's words reach were left unscored (``more``)."""

    __slots__ = ("more",)

    def __init__(self, items: Iterable[T] = (), more: bool = False) -> None:
        super().__init__(items)
        self.more = more


_FILTER = re.compile(r"(?<!\S)(country|list|status|kind|hs|tier|on):(\S+)", re.I)


def parse_query(text: str) -> tuple[str, Filters]:
    """Split typed filters (``country:HK list:EL tier:1 status:active kind:person hs:85 on:watchlist``) off a query."""
    filters = Filters()
    for name, value in _FILTER.findall(text):
        name, values = name.lower(), [v for v in value.split(",") if v]
        if name == "country":
            filters.countries |= {v.upper() for v in values}
        elif name == "list":
            filters.lists |= {v.upper() for v in values}
        elif name == "status" and values:
            filters.status = values[0].lower()
        elif name == "kind":
            filters.kinds |= {v.lower() for v in values}
        elif name == "hs" and values:
            filters.hs_chapter = hs_code(values[0])[:2] or None
        elif name == "tier" and values:
            filters.tier = values[0].upper()
        elif name == "on":
            filters.watchlist = True
    return _FILTER.sub(" ", text).strip(), filters


@dataclass(slots=True)
class _Listed:
    lists: tuple[str, ...]
    removed: tuple[str, ...]
    latest: str


_UNLISTED = _Listed((), (), "")


def _EVERYTHING(eid: int) -> bool:
    """The predicate when nothing is filtered (compared by identity to skip filtering)."""
    return True


class _Runs:
    """One side's words as the other side's are looked up in them: each word and each run of two to four words
    ("xin rui tai" is also "xinruitai"), and those a close spelling may be (``near``)."""

    __slots__ = ("_near", "targets")

    def __init__(self, words: Sequence[str]) -> None:
        n = len(words)
        if n < 2:  # most names weighed are new ones: made in as few steps as can be
            targets = frozenset(words)
        else:
            runs = list(map(add, words, words[1:]))
            if n > 2:
                runs += ["".join(words[i : i + k]) for k in (3, 4) for i in range(n - k + 1)]
            targets = frozenset(words).union(runs)
        self.targets = targets
        self._near: tuple[tuple[str, ...], tuple[str, ...]] | None = None

    def near(self, word: str) -> tuple[str, ...]:
        """The targets a close spelling of ``word`` may be: those of four letters or more for a word of five or more, of
        five or more for a shorter one ("Jeta" is "Jetta"; "OTP" is not "POST"); made when first asked for."""
        near = self._near
        if near is None:  # tuples: the collector stops walking them once seen
            four = tuple([t for t in self.targets if len(t) >= 4])
            near = self._near = (four, tuple([t for t in four if len(t) >= 5]))
        return near[0] if len(word) >= 5 else near[1]


class _Name:
    """A name as weighing reads it (kept for the names weighed lately: typing weighs most again): its words without legal
    forms, as a set, the countries whose law its legal forms are, whether every word is an everyday one, and its runs
    (``_Runs``, made when a query's words are first looked up in them)."""

    __slots__ = ("common", "laws", "present", "runs", "words")

    def __init__(self, latn: str) -> None:
        split = latn.split()
        self.words = tuple(filterfalse(LEGAL_F.__contains__, split))
        self.present = frozenset(self.words)
        self.laws = _NONE if _LAW_WORDS.isdisjoint(split) else _jurisdictions(latn)
        self.common = COMMON_F.issuperset(self.words)
        self.runs: _Runs | None = None


class _QuerySide(_Runs):
    """A query's words as names are weighed against them: their runs, and what each word of a name is worth against
    them, found once per query (a page of candidates shares words: "electronics", "shenzhen")."""

    __slots__ = ("ordered", "parts", "runs", "weights", "words")

    def __init__(self, words: tuple[str, ...], weights: tuple[float, ...]) -> None:
        super().__init__(words)
        self.words = words
        self.weights = weights  # each word's weight (``SearchIndex._weight``)
        self.ordered = sorted(self.targets)  # to find the longer words a name's word starts
        self.runs = [(i, n, "".join(words[i : i + n])) for n in (4, 3, 2) for i in range(len(words) - n + 1)]
        self.parts: dict[str, tuple[float, float, bool, bool]] = {}  # a name's word → see learn

    def learn(self, word: str, weight: float) -> tuple[float, float, bool, bool]:
        """A name's word against the query (as ``SearchIndex._name_covered`` counts it, runs aside): its weight, the part of
        it found (all as written, some as a close spelling), whether it is stray (not found, not a place), and whether
        a longer word of the query starts with it (a run of the name's words may be that word)."""
        if word in self.targets:
            got = weight
        else:
            best = _closest(word, self.near(word)) if len(word) >= 4 else 0.0
            got = weight * best / 100 if best >= 80 else 0.0
        ordered = self.ordered  # the targets starting with ``word`` lie side by side, ``word`` itself first if there
        i = bisect.bisect_left(ordered, word)
        if i < len(ordered) and ordered[i] == word:
            i += 1
        lead = i < len(ordered) and ordered[i].startswith(word)
        part = self.parts[word] = (weight, got, not got and word not in PLACES_F, lead)
        return part


class SearchIndex:
    """Every name of every entity, indexed for as-you-type fuzzy search."""

    def __init__(self, path: str | None, conn: sqlite3.Connection | None = None) -> None:
        self.path = path
        self._fallback = conn if not path else None  # an in-memory store can only be read where it was built
        self._local = threading.local()
        # per name (position = name number)
        self.name_row = array("i")
        self.name_entity = array("i")
        self._latn, self._latn_at = "", array("I", [0])
        self._core, self._core_at = "", array("I", [0])
        self.stamp = ""  # the store's fingerprint it was made from (index_file), "" if not known
        self.code = ""  # a digest of the code that made it (index_file), "" if not known
        # core vocabulary (sorted) and postings in CSR form
        self.vocab: list[str] = []
        self._post, self._post_at = array("i"), array("I", [0])
        self._typos = TypoIndex([])
        self._expansions: dict[tuple[str, bool, bool, bool, bool], tuple[int, tuple[tuple[float, int, int], ...]]] = {}
        # a place's entities and facets, unfiltered (every name and address there is read: at 1M, 0.1 s a place)
        self._places_found: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[tuple[tuple[int, int | None, float], ...], dict]] = {}
        self._weights: dict[str, float] = {}  # each word's weight (see _weight), as the index's counts give it
        self._qwords: dict[str, tuple[str, ...]] = {}  # a query's words without legal forms (see weigh)
        self._sides: dict[tuple[str, ...], _QuerySide] = {}  # the query words names were weighed against, with what was found
        self._names: dict[int, _Name] = {}  # the names weighed lately, as weighing reads them
        self._close: dict[tuple[str, int], float] = {}  # a query's word → how close it is to name number n (_closest)
        self._sums: dict[tuple[object, ...], dict[int, float]] = {}  # the candidates' sums of words typed (_candidates)
        self.cache_limit = 2000  # term expansions kept (batch screening raises it: its names share words)
        # per entity (a resolved group is known by its first record's id; the other records map to it)
        self.group: dict[int, int] = {}
        self.grouped: set[int] = set()
        self.kind: list[str | None] = []  # by entity id (row ids are dense)
        self.countries: list[tuple[str, ...]] = []
        self.listed: dict[int, _Listed] = {}
        self.chapters: dict[int, frozenset[str]] = {}
        self.tiers: dict[int, tuple[str, ...]] = {}
        self.watchlist: set[int] = set()
        self.recent = array("i")
        self._all_facets: dict[str, dict[str, int]] = {}
        # names (as indexed) containing each folded word, a word's rarity (see count): of each word of the vocabulary, in
        # its order (nearly every word of a name is a token of its core), and of the few others (legal forms); a dict of
        # every word was 45 MB at 1M entities
        self.df_vocab = array("I")
        self.df_other: dict[str, int] = {}
        self.place_names: dict[str, array] = {}  # place word → the names (numbers) that say it ("Shenzhen X Co.")
        # territories an entity's names say it is in ("… (H.K.) Ltd" → HK): by entity id, a number into named_sets (0: none);
        # a dict of frozensets was 33 MB at 1M entities
        self.named_code = array("B")
        self.named_sets: list[frozenset[str]] = [_NONE]
        self.only_listed: Callable[[int], bool] = self.is_listed  # the filter of screening (a name mask filters for it: listed_names)
        self._listed_mask: tuple[dict[int, _Listed], bytearray] | None = None
        self._listed_post: tuple[bytearray, array, array] | None = None  # see listed_postings
        self._listed_typos: tuple[array, TypoIndex] | None = None  # see listed_typos
        self._place_cache: tuple[tuple[array, dict[int, _Listed]], array, array] | None = None  # see _place_order
        self._lists_of: tuple[dict[int, _Listed], list[tuple[str, ...]]] | None = None  # see _active_lists
        self._countries_seen: tuple[list[tuple[str, ...]], set[tuple[str, ...]]] | None = None  # see _country_tuples
        self._facet_cache: tuple[tuple[object, ...], array, list[_FacetKey]] | None = None  # see _facet_codes

    def warm(self, typos: bool = True, browsing: bool = True) -> None:
        """Make now what the first misspelled word or place would otherwise make (the vocabulary's typo buckets, the
        order places list entities in: 0.4 s and 0.3 s at 1M), and the facets' numbers (0.2 s). ``typos=False`` leaves
        the buckets (screening that looks for misspellings among listed names only: ``listed_typos``);
        ``browsing=False`` leaves places and facets, which only the explorer's and the CLI's searches read (screening
        ranks names, never lists a place or counts facets)."""
        if typos:
            self._typos.warm()
        if browsing:
            self._place_order()
            self._country_tuples()
            self._facet_codes(make=True)

    @property
    def warmed(self) -> bool:
        """True once what :meth:`warm` makes is made (by it, or by a misspelling and a place query)."""
        return self._typos.warmed and self._place_cache is not None

    # -- building ------------------------------------------------------------------------
    @classmethod
    def build(cls, conn: sqlite3.Connection) -> SearchIndex:
        """Index every name in the store (their normalised keys were stored at import)."""
        with gc_paused():
            return cls._build(conn)

    @classmethod
    def _build(cls, conn: sqlite3.Connection) -> SearchIndex:
        path = next((file for _, name, file in conn.execute("PRAGMA database_list") if name == "main"), "")
        index = cls(path or None, conn)
        index.load_entities(conn)
        postings: dict[str, list[int]] = defaultdict(list)
        latn: list[str] = []
        core: list[str] = []
        rows: list[int] = []
        entities: list[int] = []
        current, seen = -1, set[str]()
        merged_seen: dict[int, set[str]] = defaultdict(set)  # names of resolved groups, deduplicated across records
        group, grouped = index.group, index.grouped
        df: Counter[str] = Counter()
        places: dict[str, list[int]] = defaultdict(list)
        named_in: dict[int, set[str]] = defaultdict(set)
        for row, eid, lt, cr in chain(
            conn.execute("SELECT id, entity_id, latn, core FROM names ORDER BY entity_id, kind != 'primary', id"), _user_aliases(conn)
        ):
            lt, cr = roman_fold(lt), roman_fold(cr)
            if eid != current:
                current, seen = eid, set[str]()
            gid = group.get(eid, eid)
            names_seen = merged_seen[gid] if gid in grouped else seen
            if lt in names_seen or not index.has(gid):
                continue
            names_seen.add(lt)
            words = set(lt.split())
            df.update(words)
            for place in words & PLACES_F:
                places[place].append(len(latn))
                if place in _NAMED_TERRITORY:
                    named_in[gid].add(_NAMED_TERRITORY[place])
            nid = len(latn)
            rows.append(row)
            entities.append(gid)
            latn.append(lt)
            core.append(cr)
            for tok in _core_tokens(cr):
                postings[tok].append(nid)
        index.name_row, index.name_entity = array("i", rows), array("i", entities)
        del rows, entities
        index._latn, index._latn_at = _pack(latn)
        index._core, index._core_at = _pack(core)
        del latn, core
        index.vocab = sorted(postings)
        index._post = array("i")
        index._post.fromlist(list(chain.from_iterable(postings[tok] for tok in index.vocab)))
        index._post_at = array("I", accumulate((len(postings[tok]) for tok in index.vocab), initial=0))
        del postings
        index._typos = TypoIndex(index.vocab)
        index.df_vocab = array("I", map(df.pop, index.vocab, repeat(0)))
        index.df_other = dict(df)
        index.place_names = {place: array("i", nids) for place, nids in places.items()}
        number = {_NONE: 0}
        index.named_code = array("B", bytes(len(index.kind)))
        for eid, codes in named_in.items():  # a few sets of territories (HK, MO, both): numbered
            index.named_code[eid] = number.setdefault(frozenset(codes), len(number))
        index.named_sets = list(number)
        return index

    def count(self, word: str) -> int:
        """How many names (as indexed) have the folded ``word`` among their words."""
        vocab = self.vocab
        i = bisect.bisect_left(vocab, word)
        if i < len(vocab) and vocab[i] == word:
            return self.df_vocab[i]
        return self.df_other.get(word, 0)

    def named_in(self, eid: int) -> frozenset[str]:
        """The territories entity ``eid``'s names say it is in ("World Jetta (H.K.) Logistics" is in HK)."""
        codes = self.named_code
        return self.named_sets[codes[eid]] if eid < len(codes) else _NONE

    def load_entities(self, conn: sqlite3.Connection) -> None:
        """(Re)load entity attributes used for filters, facets and ordering."""
        interned: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.group = group = dict(conn.execute("SELECT entity_id, group_id FROM resolution"))
        self.grouped = set(group.values())
        lists: dict[int, set[str]] = defaultdict(set)
        removed: dict[int, set[str]] = defaultdict(set)
        latest: dict[int, str] = {}
        for eid, code, status, start in conn.execute("SELECT entity_id, list, status, start_date FROM listings"):
            eid = group.get(eid, eid)
            (lists if status == "active" else removed)[eid].add(code)
            if start and start[:1].isdigit() and start > latest.get(eid, ""):
                latest[eid] = start
        self.listed = {
            eid: _Listed(
                interned.setdefault(t := tuple(sorted(lists[eid])), t),
                interned.setdefault(r := tuple(sorted(removed[eid] - lists[eid])), r),
                latest.get(eid, ""),
            )
            for eid in lists.keys() | removed.keys()
        }
        chapters: dict[int, set[str]] = defaultdict(set)
        tiers: dict[int, set[str]] = defaultdict(set)
        for eid, code, tier in conn.execute(
            "SELECT g.entity_id, g.hs_code, c.tier FROM entity_goods g LEFT JOIN chpl c ON c.hs6 LIKE g.hs_code || '%'"
        ):
            eid = group.get(eid, eid)
            chapters[eid].add(code[:2])
            if tier:
                tiers[eid].add(tier)
        self.chapters = {eid: frozenset(c) for eid, c in chapters.items()}
        self.tiers = {eid: tuple(sorted(t)) for eid, t in tiers.items()}
        top = conn.execute("SELECT coalesce(max(id), 0) FROM entities").fetchone()[0]
        kinds: dict[str, str] = {}
        self.kind, self.countries = [None] * (top + 1), [()] * (top + 1)
        present = array("i")
        for eid, kind, countries in conn.execute("SELECT id, kind, countries FROM entities ORDER BY id"):
            cs = tuple(c for c in countries.split(",") if c)
            if eid in group:  # a resolved record: its country and kind count for its group
                gid = group[eid]
                merged = tuple(sorted(set(self.countries[gid]) | set(cs)))
                self.countries[gid] = interned.setdefault(merged, merged)
                if self.kind[gid] == "other":
                    self.kind[gid] = kinds.setdefault(kind, kind)
                continue
            self.kind[eid] = kinds.setdefault(kind, kind)
            self.countries[eid] = interned.setdefault(cs, cs)
            present.append(eid)
        dated = sorted((e for e in self.listed if self.listed[e].latest and self.has(e)), key=lambda e: self.listed[e].latest, reverse=True)
        first = set(dated)
        self.recent = array("i", dated)
        self.recent.extend(e for e in present if e not in first)
        self.refresh_watchlist(conn)
        self._all_facets = self._facets(self.recent)

    def says(self, word: str) -> bool:
        """True if some indexed name has ``word`` (as written, before romanisations are folded) among its words."""
        return self.count(roman_fold(word)) > 0

    def is_listed(self, eid: int) -> bool:
        """True if a list names the entity (active or removed)."""
        return eid in self.listed

    def listed_names(self) -> bytearray:
        """Per name number, 1 if its entity is listed: ``only_listed`` for names, in C (made once per ``listed``)."""
        if self._listed_mask is None or self._listed_mask[0] is not self.listed:
            self._listed_mask = (self.listed, bytearray(map(self.listed.__contains__, self.name_entity)))
        return self._listed_mask[1]

    def listed_postings(self) -> tuple[array, array]:
        """The postings of listed names only, in the index's CSR form (per vocabulary word, its listed names in order,
        from the offsets): screening reads these rather than every name's to keep a few (made once per ``listed``:
        at 1M entities, one listed in fifty, 0.7-1.6 s for a fiftieth of the postings)."""
        mask = self.listed_names()
        if self._listed_post is None or self._listed_post[0] is not mask:
            few = mask.count(1) < LISTED_FEW * len(mask)
            self._listed_post = (mask, *(self._postings_of(mask) if few else self._postings_kept(mask)))
        return self._listed_post[1], self._listed_post[2]

    def listed_typos(self) -> TypoIndex:
        """Misspelling lookup over the words of listed names only (``listed_postings``' words): screening's, whose other
        words can find nothing (at 1M entities, one listed in fifty: 34,000 words of 1.1M; made once per ``listed``)."""
        kept_at = self.listed_postings()[1]
        if self._listed_typos is None or self._listed_typos[0] is not kept_at:
            typos = TypoIndex([w for w, (s, e) in zip(self.vocab, pairwise(kept_at), strict=True) if e > s], DELETES_AFTER)
            typos.warm()
            self._listed_typos = (kept_at, typos)
        return self._listed_typos[1]

    def _postings_kept(self, mask: bytearray) -> tuple[array, array]:
        """``listed_postings`` by reading every posting (1.2 s for 6M): when most names are listed."""
        post = self._post
        flags = bytes(map(mask.__getitem__, post))
        kept_at = array("I", accumulate((flags.count(1, s, e) for s, e in pairwise(self._post_at)), initial=0))
        return array("i", compress(post, flags)), kept_at

    def _postings_of(self, mask: bytearray) -> tuple[array, array]:
        """``listed_postings`` from the listed names' own cores (``_core_tokens``, as ``_build`` indexed them): when few
        are listed."""
        vocab = self.vocab
        words: dict[int, list[int]] = defaultdict(list)  # vocabulary position → its listed names, in order
        for nid in compress(range(len(mask)), mask):
            for tok in _core_tokens(self.core(nid)):
                words[bisect.bisect_left(vocab, tok)].append(nid)
        counts = [0] * len(vocab)
        kept = array("i")
        for j in sorted(words):
            counts[j] = len(words[j])
            kept.extend(words[j])
        return kept, array("I", accumulate(counts, initial=0))

    def _listed_part(self, listed: tuple[array, array], s: int, e: int) -> array:
        """The listed names among postings ``s:e`` (``_expand``'s: whole words from the one starting at ``s``, or the
        first part of one word), from ``listed_postings``."""
        kept, kept_at = listed
        at = self._post_at
        j, k = bisect.bisect_left(at, s), bisect.bisect_left(at, e)
        if at[k] == e:  # words j to k-1, whole
            return kept[kept_at[j] : kept_at[k]]
        return kept[kept_at[j] : bisect.bisect_left(kept, self._post[e], kept_at[j], kept_at[j + 1])]  # the first part of word j

    def has(self, eid: int) -> bool:
        """True if the entity was in the store when the index was built."""
        return 0 <= eid < len(self.kind) and self.kind[eid] is not None

    def refresh_watchlist(self, conn: sqlite3.Connection) -> None:
        """Reload the starred entities (the watchlist filter)."""
        self.watchlist = {
            self.group.get(eid, eid) for (eid,) in conn.execute("SELECT e.id FROM user_watchlist w JOIN entities e ON e.key = w.entity_key")
        }

    def forget_connections(self) -> None:
        """Drop the per-thread store connections (in a forked child: never use the parent's)."""
        self._local = threading.local()

    def _db(self) -> sqlite3.Connection:
        """A read-only connection for this thread (hits read their display names from the store)."""
        if self._fallback is not None:
            return self._fallback
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self.path is None:
                raise StoreError("the search index has neither a store file nor a connection")
            conn = open_readonly(Path(self.path))
            self._local.conn = conn
        return conn

    # -- keys and postings ---------------------------------------------------------------
    def latn(self, nid: int) -> str:
        """The folded Latin key of name number ``nid``."""
        return self._latn[self._latn_at[nid] : self._latn_at[nid + 1]]

    def core(self, nid: int) -> str:
        """The core key of name number ``nid``."""
        return self._core[self._core_at[nid] : self._core_at[nid + 1]]

    def __len__(self) -> int:
        return len(self.name_entity)

    def _posting(self, tok: str) -> array | None:
        i = bisect.bisect_left(self.vocab, tok)
        if i < len(self.vocab) and self.vocab[i] == tok:
            return self._post[self._post_at[i] : self._post_at[i + 1]]
        return None

    # -- candidate generation ------------------------------------------------------------
    def _expand(self, term: str, prefix: bool, wide: bool, typos: bool = True, listed: bool = False) -> tuple[int, tuple[tuple[float, int, int], ...]]:
        """Postings a query term may stand for: (weight, start, end) for exact 1, prefix .9, typo .8−.1/edit, heaviest
        first, with how many postings they hold in all. Completions that are neighbours in the vocabulary (up to
        ``PREFIX_FANOUT`` of them) are one range: their postings lie side by side.

        ``listed``: misspellings are looked for among listed names' words only (screening; ``listed_typos``).

        Cached: while a person types, every earlier word of the query is expanded again (and a file screened repeats words).
        """
        key = (term, prefix, wide, typos, listed)
        cached = self._expansions.get(key)
        if cached is None:
            postings = tuple(sorted(self._expand_uncached(term, prefix, wide, typos, listed), reverse=True))
            cached = _keep(self._expansions, key, (sum(e - s for _, s, e in postings), postings), self.cache_limit)
        return cached

    def _expand_uncached(self, term: str, prefix: bool, wide: bool, typos: bool = True, listed: bool = False) -> list[tuple[float, int, int]]:
        vocab, at = self.vocab, self._post_at
        misspelt = self.listed_typos() if listed else self._typos
        out: dict[int, float] = {}
        i = bisect.bisect_left(vocab, term)
        exact = i < len(vocab) and vocab[i] == term
        if wide:  # second pass: a slip in the first letter of a finished word that matched nothing
            if not exact and not prefix and len(term) >= 5:
                for tok, dist in misspelt.neighbours(term, first=True):
                    out.setdefault(bisect.bisect_left(vocab, tok), 0.8 - 0.1 * dist)
            return [(w, at[j], at[j + 1]) for j, w in out.items()]
        if exact:
            out[i] = 1.0
        completions = 0
        run: list[tuple[float, int, int]] = []  # the completions, when they are words side by side: one range of postings
        first = end = i
        if prefix or len(term) >= 5:
            hi = bisect.bisect_left(vocab, term + "\x7f", i)
            completions = hi - i
            step = max(1, completions // PREFIX_FANOUT)
            if step == 1:  # the first PREFIX_FANOUT words from the term on (the term itself is exact)
                first, end = i + exact, min(hi, i + PREFIX_FANOUT)
                run = [(0.9 if prefix else 0.85, at[first], at[end])] if end > first else []
            else:
                for j in range(i, hi, step)[:PREFIX_FANOUT]:
                    out.setdefault(j, 0.9 if prefix else 0.85)
        # typos, unless the term is a common word as typed (a slip is unlikely to matter) or a word
        # being typed that still has completions (it is probably typed right so far)
        if typos and len(term) >= 4 and (not exact or at[i + 1] - at[i] < TYPO_BELOW) and not (prefix and completions > 2):
            for tok, dist in misspelt.neighbours(term):
                j = bisect.bisect_left(vocab, tok)
                if not first <= j < end:  # a completion already
                    out.setdefault(j, 0.8 - 0.1 * dist)
        return [(w, at[j], at[j + 1]) for j, w in out.items()] + run

    def _per_word(self, postings: Sequence[tuple[float, int, int]]) -> list[tuple[float, int, int]]:
        """``_expand``'s postings with a range of several words' postings (completions) split into one per word, the
        last word first (as they sort): a budget that cuts a term short takes them in that order."""
        at = self._post_at
        out = []
        for w, s, e in postings:
            j, k = bisect.bisect_left(at, s), bisect.bisect_left(at, e)
            out += [(w, at[m], at[m + 1]) for m in range(k - 1, j - 1, -1)] if k - j > 1 else [(w, s, e)]
        return out

    def _candidates(
        self,
        q: NameKeys,
        typing: bool,
        allowed: Callable[[int], bool],
        wide: bool = False,
        typos: bool = True,
        keep: int = CANDIDATES,
        budget: int = BUDGET,
    ) -> Ranked[int]:
        """The names most worth scoring: postings of the rarest terms first, ``budget`` postings at most; ``keep`` of them,
        and whether there were more (``Ranked.more``).

        While a person types, the sums of the words already typed are kept (``SUMS_KEPT``): each keystroke adds only the
        word being typed (and the words run together) to them, rather than summing again the tens of thousands of names
        that common words ("Grand Union H…") bring at 1M entities.
        """
        core = list(dict.fromkeys(q.core.split()))
        last = q.latn.split()[-1]
        terms = [(t, typing and t == last, typos) for t in core]
        if len(core) > 1:  # the joined core meets names spaced differently; its typos are the words' typos
            terms.append((q.joined, typing, False))
        # screening: only listed names are kept, read from listed_postings once made (a large file), else masked
        screening = allowed is self.only_listed
        listed = self.listed_postings() if screening and self._listed_post is not None else None
        mask = self.listed_names() if screening and listed is None else None
        expanded = sorted(
            (
                (*self._expand(t, p, wide, typos, listed is not None), typing and not p and i < len(core))  # a word typed
                for i, (t, p, typos) in enumerate(terms)
            ),
            key=itemgetter(0),
        )
        n = max(1, len(self.name_entity))
        plan: list[tuple[tuple[float, int, int], ...]] = []  # what is read of each term, rarest first
        typed: list[bool] = []  # whether the term is a word already typed (the same at the next keystroke)
        spent = 0
        for size, postings, done in expanded:
            if spent and spent + size > budget:
                break  # commoner terms only weigh in when the candidates are rescored
            idf = math.log(1 + n / max(1, size))  # of the term with all its variants: a rare completion never outweighs the word itself
            taken = []
            for weight, s, e in postings if spent + size <= budget else self._per_word(postings):  # heaviest first
                take = min(e - s, budget - spent)
                if take <= 0:
                    break
                taken.append((weight * idf, s, s + take))
                spent += take
            plan.append(tuple(taken))
            typed.append(done)
        if any(typed) and not all(typed):
            settled = tuple(p for p, done in zip(plan, typed, strict=True) if done)
            key = (settled, listed is not None, mask is not None)
            kept = self._sums.get(key)
            if kept is None:
                kept = _keep(self._sums, key, self._summed(settled, {}, listed, mask), SUMS_KEPT)
            acc = self._summed([p for p, done in zip(plan, typed, strict=True) if not done], dict(kept), listed, mask)
        else:
            acc = self._summed(plan, {}, listed, mask)
        if screening:  # the budget counted every name's postings; only listed names were kept (the same order)
            return Ranked(sorted(acc, key=acc.__getitem__, reverse=True)[:keep], len(acc) > keep)
        best = sorted(acc, key=acc.__getitem__, reverse=True)
        if allowed is _EVERYTHING:
            return Ranked(best[:keep], len(best) > keep)
        entity = self.name_entity  # the best allowed: asked of each in turn until ``keep`` (and one more) are found
        first = list(islice((nid for nid in best if allowed(entity[nid])), keep + 1))
        return Ranked(first[:keep], len(first) > keep)

    def _summed(
        self, plan: Iterable[tuple[tuple[float, int, int], ...]], acc: dict[int, float], listed: tuple[array, array] | None, mask: bytearray | None
    ) -> dict[int, float]:
        """``acc`` with each name of the terms read (``_candidates``'s plan) given their weights added: a name's best
        variant's weight per term."""
        post = self._post
        for taken in plan:
            term: dict[int, float] = {}
            for w, same in groupby(reversed(taken), key=itemgetter(0)):  # lightest first: a name keeps its best variant's
                if listed is not None:  # the listed names among the postings counted
                    nids: Iterable[int] = chain.from_iterable(self._listed_part(listed, s, e) for _, s, e in same)
                else:
                    nids = chain.from_iterable(post[s:e] for _, s, e in same)
                    if mask is not None:
                        nids = list(nids)
                        nids = compress(nids, map(mask.__getitem__, nids))
                term.update(dict.fromkeys(nids, w))
            # names of this term and earlier ones get the sum (made in C: tens of thousands of names at 1M, "Grand Union H")
            both = list(term.keys() & acc.keys())
            summed = dict(zip(both, map(add, map(term.__getitem__, both), map(acc.__getitem__, both)), strict=True))
            acc.update(term)
            acc.update(summed)
        return acc

    # -- scoring -------------------------------------------------------------------------
    @staticmethod
    def base_score(q: NameKeys, latn: str, core: str, typing: bool = False) -> float:
        """0–100 from the spellings alone: how close the name is to the query; 100 only for the same folded name.
        (The rule for one name; ``_score_batch`` computes it for many in rapidfuzz's batch calls, and is tested against it.)

        The core (trade name) dominates; the whole name, with legal forms set aside, breaks ties
        between a firm and its sibling in another city. While typing, the query is also compared
        with the start of the name's core, so "sinn" scores high on "Sinno" before the word ends.
        """
        if q.latn == latn:
            return 100.0
        joined = core.replace(" ", "")
        core_score = max(fuzz.WRatio(q.core, core), fuzz.ratio(q.joined, joined))
        if typing and len(q.joined) >= 3:
            core_score = max(core_score, 0.95 * fuzz.ratio(q.joined, joined[: len(q.joined)]))
        return _combine(core_score, fuzz.token_set_ratio(q.latn, latn), fuzz.token_sort_ratio(_body(q.latn), _body(latn)))

    def weigh(self, q: NameKeys, nid: int, base: float, typing: bool = False, floor: float = 0.0) -> float:
        """``base`` less what the words left unmatched are worth, each by its rarity (the one scoring rule; see ``_covered``).

        A distinctive word of the query missing from the name costs up to ``QUERY_MISS`` points, one of the name missing
        from the query up to ``NAME_MISS``; a place word of the query that is the entity's country is not missing.
        A name made only of everyday words ("Institute of Electric Power", ``normalize.COMMON_WORDS``) is weak: it
        scores at most ``WEAK_CAP`` unless the query says the same words (places aside). While typing, the word being
        typed is not yet missing from anything.

        A score below ``floor`` is only said to be below it: weighing stops once the name's words (and a form of another
        country's law) cost more than ``base - floor``, before the query's words are looked for in the name.
        """
        return self._weigh(self._query_words(q.latn), _jurisdictions(q.latn), nid, base, typing, floor)

    def _weigh(self, qwords: tuple[str, ...], laws: frozenset[str], nid: int, base: float, typing: bool, floor: float) -> float:
        """``weigh`` with the query's words (``_query_words``) and its laws (``_jurisdictions``) found once for many names."""
        if base >= 100.0 or base <= 0.0:
            return base
        qwords, name = self._weighed(qwords, nid, typing)
        if not qwords or not name.words:
            return base
        query_miss, name_miss, form, swap, cap = self._unmatched(qwords, laws, nid, name, base - floor)
        if query_miss is None:  # stopped early: below the floor
            return max(0.0, base - name_miss - (FORM_MISS if form else 0.0))
        score = base - query_miss - name_miss
        if form:
            score -= FORM_MISS  # "OOO" and "Ltda.": the same name registered in two countries is two firms
        if swap:
            score -= SWAP_MISS  # a word of one put for a word of the other: a sibling firm, not a slip
        return max(0.0, min(score, cap))

    def _weighed(self, qwords: tuple[str, ...], nid: int, typing: bool) -> tuple[tuple[str, ...], _Name]:
        """The query's words a name is weighed against, and the name as weighing reads it (see ``weigh``)."""
        name = self._names.get(nid)
        if name is None:
            name = _keep(self._names, nid, _Name(self.latn(nid)), RUNS_KEPT)
        if typing and qwords:  # the last word is still being typed: it counts where it prefixes a word of the name
            last = qwords[-1]
            for word in name.words:
                if word.startswith(last):
                    if word != last:
                        qwords = (*qwords[:-1], word)
                    break
        return qwords, name

    def _side(self, qwords: tuple[str, ...]) -> _QuerySide:
        """The query side of ``qwords`` (kept: every candidate of a query asks)."""
        side = self._sides.get(qwords)
        if side is None:
            side = _keep(self._sides, qwords, _QuerySide(qwords, tuple(map(self._weight, qwords))), SIDES_KEPT)
        return side

    def _unmatched(
        self, qwords: tuple[str, ...], laws: frozenset[str], nid: int, name: _Name, slack: float
    ) -> tuple[float | None, float, bool, bool, float]:
        """What ``weigh`` takes off a name's score: (query words' miss, name words' miss, other law's form, swapped word,
        cap); the query words' miss ``None`` when the name's side and the form already cost more than ``slack``."""
        side = self._side(qwords)
        words = name.words
        name_found, name_stray = self._name_covered(words, side)
        name_miss = NAME_MISS * (1 - name_found)
        form = bool(laws and name.laws and not laws & name.laws)
        if name_miss + (FORM_MISS if form else 0.0) > slack:
            return None, name_miss, form, False, 100.0
        if name.present.issuperset(qwords):  # every word of the query is in the name as written: nothing missing
            query_found, query_stray = 1.0, False
        else:
            runs = name.runs
            if runs is None:
                runs = name.runs = _Runs(words)
            query_found, query_stray = self._covered(side, nid, runs, self.countries[self.name_entity[nid]])
        weak = (
            min(query_found, name_found) < SAME_WORDS
            and name.common
            and {t for t in qwords if t not in PLACES_F} != {t for t in words if t not in PLACES_F}
        )
        return QUERY_MISS * (1 - query_found), name_miss, form, query_stray and name_stray, WEAK_CAP if weak else 100.0

    def _query_words(self, latn: str) -> tuple[str, ...]:
        """A folded query's words without legal forms (kept: every candidate of a query asks)."""
        words = self._qwords.get(latn)
        if words is None:
            words = _keep(self._qwords, latn, tuple(t for t in latn.split() if t not in LEGAL_F), SIDES_KEPT)
        return words

    def _name_covered(self, words: tuple[str, ...], side: _QuerySide) -> tuple[float, bool]:
        """The share of a name's ``words`` found in the query's (``_covered``'s rule the other way round): each word's
        part (its weight, what it gets, whether it is stray) found once per query and kept in ``side``; the runs of the
        name's words looked at only when one of them starts a longer word of the query."""
        total = got = 0.0
        stray = lead = False
        parts = side.parts
        for word in words:
            part = parts.get(word)
            if part is None:
                part = side.learn(word, self._weight(word))
            total += part[0]
            got += part[1]
            stray = stray or part[2]
            lead = lead or part[3]
        # "xin rui tai" for "xinruitai": looked for only when a word is not all found ("dragon" leads "dragongate" too)
        if lead and got < total and len(words) > 1 and any(found := _in_runs(words, side.targets)):
            total = got = 0.0
            stray = False
            for word, run in zip(words, found, strict=True):
                part = parts[word]
                total += part[0]
                got += part[0] if run else part[1]
                stray = stray or (part[2] and not run)
        return (got / total if total else 1.0), stray

    def _weight(self, word: str) -> float:
        """How much a word is worth, by its rarity among the names (a place word half as much); kept once computed."""
        weight = self._weights.get(word)
        if weight is None:
            weight = math.log(1 + len(self.name_entity) / (self.count(word) + 1))
            weight = self._weights[word] = 0.5 * weight if word in PLACES_F else weight
        return weight

    def _covered(self, side: _QuerySide, nid: int, name: _Runs, countries: tuple[str, ...]) -> tuple[float, bool]:
        """The share of the query's words (weighed by rarity) found in name ``nid`` (its words and runs: ``name``): as
        written, as a close spelling (four letters or more against five or more), spaced otherwise ("xin rui tai" =
        "xinruitai"), or, for a place word, as one of ``countries``; and whether a word that is not a place was not found
        at all (with one on the other side: a swapped word). ``_name_covered`` is the same rule the other way round."""
        words, weights, targets = side.words, side.weights, name.targets
        found = [False] * len(words)
        for i, n, run in side.runs:  # the query's words run together
            if run in targets:
                found[i : i + n] = [True] * n
        total = got = 0.0
        stray = False
        close = self._close
        for i, word in enumerate(words):
            weight = weights[i]
            total += weight
            if found[i] or word in targets or (countries and _PLACE_COUNTRY.get(word) in countries):
                got += weight
                continue
            best = 0.0
            if len(word) >= 4:  # "Jeta" is "Jetta"; "OTP" is not "POST"
                best = close.get((word, nid), -1.0)
                if best < 0:
                    best = _keep(close, (word, nid), _closest(word, name.near(word)), RUNS_KEPT)
            if best >= 80:  # a close spelling: counts as far as it is close
                got += weight * best / 100
            elif word not in PLACES_F:
                stray = True
        return (got / total if total else 1.0), stray

    def _allowed(self, filters: Filters) -> Callable[[int], bool]:
        if filters.empty():
            return _EVERYTHING
        listed, countries, kind = self.listed, self.countries, self.kind

        def ok(eid: int) -> bool:
            e = listed.get(eid, _UNLISTED)
            if filters.countries and not filters.countries.intersection(countries[eid]) and not filters.countries & self.named_in(eid):
                return False  # the lists' countries, or a territory the name says ("World Jetta (H.K.) Logistics" is HK)
            if filters.lists and not filters.lists.intersection(e.removed if filters.status == "removed" else e.lists):
                return False
            if (filters.status == "active" and not e.lists) or (filters.status == "removed" and (e.lists or not e.removed)):
                return False
            if filters.kinds and kind[eid] not in filters.kinds:
                return False
            if filters.hs_chapter and filters.hs_chapter not in self.chapters.get(eid, ()):
                return False
            if filters.tier and not any(t == filters.tier or t.startswith(filters.tier + ".") for t in self.tiers.get(eid, ())):
                return False
            return not (filters.watchlist and eid not in self.watchlist)

        return ok

    def hits(self, found: Sequence[tuple[int, int | None, float]]) -> list[Hit]:
        """Hits for (entity, name number, score), with display names read from the store."""
        if not found:
            return []
        db = self._db()
        eids = [e for e, _, _ in found]
        rows = [self.name_row[n] for _, n, _ in found if n is not None]
        ents = {r[0]: r[1:] for r in _select(db, "SELECT id, key, name FROM entities WHERE id IN ({})", eids)}
        names = {r[0]: r[1:] for r in _select(db, "SELECT id, name, kind FROM names WHERE id IN ({})", [r for r in rows if r > 0])}
        given = [-r for r in rows if r < 0]  # names the user gave (see _user_aliases)
        names.update((-i, (name, USER_ALIAS_KIND)) for i, name in _select(db, "SELECT id, name FROM user_aliases WHERE id IN ({})", given))
        records: dict[int, list[str]] = defaultdict(list)
        merged = [e for e in eids if e in self.grouped]
        for gid, key in (
            _select(
                db,
                "SELECT r.group_id, e.key FROM resolution r JOIN entities e ON e.id = r.entity_id WHERE r.group_id IN ({}) ORDER BY r.entity_id",
                merged,
            )
            if merged
            else ()
        ):
            records[gid].append(key)
        hits = []
        for eid, nid, score in found:
            key, name = ents.get(eid, ("", ""))
            matched, how = names.get(self.name_row[nid], (name, "primary")) if nid is not None else (name, "primary")
            e = self.listed.get(eid, _UNLISTED)
            hits.append(
                Hit(
                    eid,
                    key,
                    name,
                    matched,
                    how,
                    score,
                    list(e.lists),
                    list(e.removed),
                    list(self.countries[eid]),
                    self.kind[eid] or "",
                    list(self.tiers.get(eid, ())),
                    e.latest,
                    [key, *records.get(eid, ())],
                )
            )
        return hits

    def search(
        self,
        text: str,
        filters: Filters | None = None,
        *,
        limit: int = 50,
        min_score: float = MIN_SCORE,
        cancelled: Callable[[], bool] = lambda: False,
        typos: bool = True,
        candidates: int = CANDIDATES,
        complete: bool = False,
    ) -> SearchResult | None:
        """Search names; ``None`` if ``cancelled()`` turned true before the end.

        ``typos=False`` looks only at words as typed (and their completions): batch screening tries
        that first and spends the typo search only on rows it left without a match. ``candidates``
        is how many names are rescored (screening, which keeps three matches, needs fewer).
        ``complete``: every name the query's words reach is scored, however many (an export of a search's results:
        "bank" on the seed matches 166 entities, of which the 400 likeliest names hold 131), not only the likeliest.
        """
        budget = BUDGET
        if complete:
            candidates, budget = max(candidates, len(self.name_entity)), max(BUDGET, len(self._post))
        with gc_paused():  # its caches and candidates are many small objects: a full collection mid-keystroke took 0.4 s at 1M
            return self._search(text, filters, limit=limit, min_score=min_score, cancelled=cancelled, typos=typos, candidates=candidates, budget=budget)

    def _search(
        self,
        text: str,
        filters: Filters | None,
        *,
        limit: int,
        min_score: float,
        cancelled: Callable[[], bool],
        typos: bool,
        candidates: int,
        budget: int = BUDGET,
    ) -> SearchResult | None:
        started = time.perf_counter()
        text = text[:MAX_QUERY]
        typed, parsed = parse_query(text)
        filters = filters or parsed
        allowed = self._allowed(filters)
        qs = query_keys(typed, self.says)
        if not qs[0].latn:
            return self._browse(text, filters, allowed, limit, started)
        typing = not text.endswith(" ")
        words = qs[0].latn.split()
        if all(w in PLACES_F for w in words):  # only place words: the entities in that place
            written = analyze(typed).latn.split()
            key = (tuple(words), tuple(written))
            kept = self._places_found.get(key) if allowed is _EVERYTHING else None  # "Shenzhen", then "Shenzhen "
            if kept is None:
                # a tuple of tuples of numbers: once the collector has seen it, it is left out of its walks (a list of
                # 31,000 answers per place kept made each full collection, between two keystrokes, take 17 ms at 1M)
                there = tuple(self._in_place(words, written, allowed))
                kept = (there, self._facets(map(itemgetter(0), there)))
                if allowed is _EVERYTHING:
                    _keep(self._places_found, key, kept, PLACES_KEPT - 1)
            there, facets = kept
            elapsed = (time.perf_counter() - started) * 1000
            return SearchResult(text, self.hits(there[:limit]), len(there), facets, elapsed)
        found: list[tuple[int, int, float]] = []
        left = False  # names left unscored (see SearchResult.more)
        for q in qs:  # a Cyrillic query is also tried with its words translated: the best of both per entity
            more = self.ranked(
                q,
                typing,
                allowed,
                min_score=min_score,
                typos=typos,
                candidates=candidates,
                budget=budget,
                cancelled=cancelled,
                any_kind=bool(filters.kinds),
            )
            if more is None:
                return None
            found += more
            left = left or more.more
        order = found if len(qs) == 1 else self.in_order(found)
        hits = self.hits(order[:limit])
        elapsed = (time.perf_counter() - started) * 1000
        return SearchResult(text, hits, len(order), self._facets(e for e, _, _ in order), elapsed, left)

    def ranked(
        self,
        q: NameKeys,
        typing: bool = False,
        allowed: Callable[[int], bool] = _EVERYTHING,
        *,
        min_score: float = MIN_SCORE,
        typos: bool = True,
        candidates: int = CANDIDATES,
        cancelled: Callable[[], bool] = lambda: False,
        budget: int = BUDGET,
        scored: dict[int, float] | None = None,
        any_kind: bool = False,
    ) -> Ranked[tuple[int, int, float]] | None:
        """Entities matching ``q`` at ``min_score`` or more, best first: (entity, best name number, score), and whether
        names the query's words reach were left unscored (``Ranked.more``: more than ``candidates`` of them).

        A query carrying a company's legal form ("LLC", "Co., Ltd.") matches no person, vessel or aircraft unless
        ``any_kind`` (the user filtered by kind).

        ``scored`` (name number → score, 0 for a name that cannot reach ``min_score``) carries scores
        between calls for the same query and ``min_score``, so a second call with typos rescores only
        the names the first did not see. ``budget`` caps the postings read (see ``_candidates``).
        """
        scored = {} if scored is None else scored
        best: dict[int, tuple[float, int]] = {}
        company = not any_kind and any(t in LEGAL_F for t in q.latn.split())
        qwords, laws = self._query_words(q.latn), _jurisdictions(q.latn)  # what weighing asks of the query, once
        left = False
        for wide in (False, True) if typos else (False,):
            cands = self._candidates(q, typing, allowed, wide, typos, candidates, budget)
            left = left or cands.more
            step = 4 * CHUNK  # a batch in rapidfuzz scores four times as many in the same time
            for start in range(0, len(cands), step):
                if cancelled():
                    return None
                chunk = [nid for nid in cands[start : start + step] if nid not in scored]
                scored.update(dict.fromkeys(chunk, 0.0))  # below min_score unless scored next
                scored.update(
                    (nid, self._weigh(qwords, laws, nid, s, typing, min_score) if s >= min_score else s)
                    for nid, s in self._score_batch(q, chunk, min_score, typing)
                )
                for nid in cands[start : start + step]:
                    s = scored[nid]
                    eid = self.name_entity[nid]
                    if company and self.kind[eid] in NOT_COMPANIES:
                        continue
                    if s >= min_score and s > best.get(eid, (-1.0, 0))[0]:
                        best[eid] = (s, nid)
            if wide or max((s for s, _ in best.values()), default=0) >= 80:
                break  # a typo in the first letter is looked for only when nothing good came back
        return Ranked(self.in_order((e, n, s) for e, (s, n) in best.items()), left)

    def in_order(self, found: Iterable[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
        """(entity, name number, score) best first, each entity once with its best; ties: listed, latest listing, id."""
        best: dict[int, tuple[int, int, float]] = {}
        for e, n, s in found:
            if e not in best or s > best[e][2]:
                best[e] = (e, n, s)
        listed = self.listed
        return sorted(best.values(), key=lambda f: (-f[2], not listed.get(f[0], _UNLISTED).lists, _neg(listed.get(f[0], _UNLISTED).latest), f[0]))

    def _score_batch(self, q: NameKeys, nids: list[int], min_score: float, typing: bool = False) -> list[tuple[int, float]]:
        """``base_score`` of each name that can reach ``min_score`` (the others are left out), in rapidfuzz's batch calls.

        The base is ``_combine`` of the same three parts as ``base_score``, so it is at most ``_combine(core, 100, 100)``
        and at most ``_combine(core, token_set, 100)``: each bound drops names before the next, dearer part is computed.
        """
        cut = max(0.0, (min_score - (1 - CORE_WEIGHT) * 100) / CORE_WEIGHT)
        keys, at = self._core, self._core_at
        cores = [keys[at[n] : at[n + 1]] for n in nids]
        core_score = {i: c for _, c, i in process.extract(q.core, cores, scorer=fuzz.WRatio, score_cutoff=cut, limit=None)}
        spaced = range(len(cores)) if " " in q.core else [i for i, c in enumerate(cores) if " " in c]
        for _, c, k in process.extract(
            q.joined, [cores[i].replace(" ", "") for i in spaced], scorer=fuzz.ratio, score_cutoff=cut, limit=None
        ):  # (with no space on either side WRatio ≥ ratio)
            if c > core_score.get(spaced[k], -1.0):
                core_score[spaced[k]] = c
        size = len(q.joined)
        if typing and size >= 3:  # the start of the name's core, while its word is still being typed
            starts = [c.replace(" ", "")[:size] for c in cores]
            for _, c, i in process.extract(q.joined, starts, scorer=fuzz.ratio, score_cutoff=cut / 0.95, limit=None):
                if 0.95 * c > core_score.get(i, -1.0):
                    core_score[i] = 0.95 * c
        if not core_score:
            return []
        alive = sorted(core_score)
        keys, at = self._latn, self._latn_at
        latns = [keys[at[nids[i]] : at[nids[i] + 1]] for i in alive]
        out = []
        last: list[tuple[int, float, float]] = []  # (index, core, token_set) of names still in the running
        for _, token_set, k in process.extract(q.latn, latns, scorer=fuzz.token_set_ratio, limit=None):
            if latns[k] == q.latn:
                out.append((nids[alive[k]], 100.0))
            elif _combine(core_score[alive[k]], token_set, 100.0) >= min_score:
                last.append((k, core_score[alive[k]], token_set))
        if last:
            bodies = [_body(latns[k]) for k, _, _ in last]
            for _, token_sort, j in process.extract(_body(q.latn), bodies, scorer=fuzz.token_sort_ratio, limit=None):
                k, c, token_set = last[j]
                out.append((nids[alive[k]], _combine(c, token_set, token_sort)))
        return out

    def _in_place(self, words: list[str], written: list[str], allowed: Callable[[int], bool]) -> list[tuple[int, int | None, float]]:
        """Entities in the place a query of place words names: a name saying it (``PLACE_IN_NAME``), then a street
        address there (``PLACE_IN_ADDRESS``), then, for a country or territory, every entity of that country
        (``PLACE_COUNTRY``); in each group, the entities an active listing names first, each part newest listing first
        and undated last (``_place_order``). ``written``: the words as stored in addresses.

        Linear in the entities found, with no key computed per entity in Python: "China" finds most of a store."""
        entity, everything = self.name_entity, allowed is _EVERYTHING
        if len(words) == 1:
            nids: Iterable[int] = self.place_names.get(words[0], ())  # in name order already, as the index made it
        else:
            named = [set(self.place_names.get(w, ())) for w in words]
            nids = sorted(set.intersection(*named)) if named else ()
        first: dict[int, int] = {}  # each entity by its first name saying the place
        for nid in nids:
            first.setdefault(entity[nid], nid)
        if not everything:
            first = {eid: nid for eid, nid in first.items() if allowed(eid)}
        addressed: set[int] = set()
        if written:
            where = " AND ".join("(' ' || norm || ' ') LIKE ?" for _ in written)
            sql = f"SELECT DISTINCT entity_id FROM addresses WHERE {where}"
            for (rid,) in self._db().execute(sql, [f"% {w} %" for w in written]):
                eid = self.group.get(rid, rid)
                if eid not in first and self.has(eid) and allowed(eid):
                    addressed.add(eid)
        order, position = self._place_order()
        saying = sorted(first, key=position.__getitem__)  # (tuples made in C: a place holds tens of thousands at 1M)
        found: list[tuple[int, int | None, float]] = list(zip(saying, map(first.__getitem__, saying), repeat(PLACE_IN_NAME)))
        found += zip(sorted(addressed, key=position.__getitem__), repeat(None), repeat(PLACE_IN_ADDRESS))
        codes = {_COUNTRY_WORD[w] for w in words if w in _COUNTRY_WORD}
        if codes and len(codes) == len(words):
            there = self._country_tuples()
            inside = {t: not codes.isdisjoint(t) for t in there}
            countries = self.countries
            found += [
                (eid, None, PLACE_COUNTRY)
                for eid in compress(order, map(inside.__getitem__, map(countries.__getitem__, order)))
                if eid not in first and eid not in addressed and (everything or allowed(eid))
            ]
        return found

    def _place_order(self) -> tuple[array, array]:
        """The entities as place queries list them (those an active listing names first, each part in ``recent``'s
        order: newest listing first, undated last), and each entity's position there; made once per index."""
        key = (self.recent, self.listed)
        if self._place_cache is None or any(a is not b for a, b in zip(self._place_cache[0], key, strict=True)):
            active = bytearray(map(bool, map(self._active_lists().__getitem__, self.recent)))
            order = array("i", compress(self.recent, active))
            order.extend(compress(self.recent, map(not_, active)))
            position = array("i", bytes(4 * len(self.kind)))
            for i, eid in enumerate(order):
                position[eid] = i
            self._place_cache = (key, order, position)
        return self._place_cache[1], self._place_cache[2]

    def _active_lists(self) -> list[tuple[str, ...]]:
        """Per entity id, the lists naming it now (``()`` for none): facets count them in C; made once per ``listed``."""
        if self._lists_of is None or self._lists_of[0] is not self.listed or len(self._lists_of[1]) != len(self.kind):
            lists: list[tuple[str, ...]] = [()] * len(self.kind)
            for eid, e in self.listed.items():
                if 0 <= eid < len(lists):
                    lists[eid] = e.lists
            self._lists_of = (self.listed, lists)
        return self._lists_of[1]

    def _country_tuples(self) -> set[tuple[str, ...]]:
        """The distinct sets of countries entities have (a few hundred: the tuples are interned)."""
        if self._countries_seen is None or self._countries_seen[0] is not self.countries:
            self._countries_seen = (self.countries, set(self.countries))
        return self._countries_seen[1]

    def _browse(self, text: str, filters: Filters, allowed: Callable[[int], bool], limit: int, started: float) -> SearchResult:
        """No words typed: entities by latest listing date, filtered."""
        eids: Sequence[int]
        if filters.empty():
            eids, total, facets = self.recent[:limit], len(self.recent), self._all_facets
        else:
            matching = [e for e in self.recent if allowed(e)]
            eids, total, facets = matching[:limit], len(matching), self._facets(matching)
        hits = self.hits([(e, None, 0.0) for e in eids])
        return SearchResult(text, hits, total, facets, (time.perf_counter() - started) * 1000)

    def _facet_codes(self, make: bool = False) -> tuple[array, list[_FacetKey]] | None:
        """Per entity id, a number for what facets count of it (its active lists, countries and kind), and what each
        number stands for: facets count the numbers, then add each one's count to its lists, countries and kind (a few
        hundred distinct; a place of 30,000 entities at 1M: 3 ms, not 11). Made by :meth:`warm` (0.2 s at 1M), else
        None unless ``make``; made again when the index's entities change."""
        key = (self.listed, self.countries, self.kind)
        cached = self._facet_cache
        if cached is not None and all(a is b for a, b in zip(cached[0], key, strict=True)) and len(cached[1]) == len(self.kind):
            return cached[1], cached[2]
        if not make:
            return None
        numbers: dict[_FacetKey, int] = {}
        codes = array("I", bytes(4 * len(self.kind)))
        for eid, facet in enumerate(zip(self._active_lists(), self.countries, self.kind, strict=False)):
            code = numbers.get(facet)
            if code is None:
                code = numbers[facet] = len(numbers)
            codes[eid] = code
        self._facet_cache = (key, codes, list(numbers))
        return codes, self._facet_cache[2]

    def _facets(self, eids: Iterable[int]) -> dict[str, dict[str, int]]:
        eids = list(eids)
        coded = self._facet_codes()
        if coded is not None:  # counted by number, in C; ties keep the order each value first appears in, as below
            codes, meaning = coded
            lists: Counter[str] = Counter()
            countries: Counter[str] = Counter()
            kinds: Counter[str] = Counter()
            for code, n in Counter(map(codes.__getitem__, eids)).items():
                their_lists, their_countries, their_kind = meaning[code]
                for value in their_lists:
                    lists[value] += n
                for value in their_countries:
                    countries[value] += n
                kinds[their_kind or "other"] += n
            return {"list": dict(lists.most_common()), "country": dict(countries.most_common(30)), "kind": dict(kinds.most_common())}
        countries_of, kind = self.countries, self.kind
        # counted in C (Counter of an iterable), in the entities' order: ties keep the order they first appear in
        lists = Counter(chain.from_iterable(map(self._active_lists().__getitem__, eids)))
        countries = Counter(chain.from_iterable(map(countries_of.__getitem__, eids)))
        each: Counter[str | None] = Counter(map(kind.__getitem__, eids))
        kinds = Counter(kind[e] or "other" for e in eids) if None in each or "" in each else cast("Counter[str]", each)
        return {"list": dict(lists.most_common()), "country": dict(countries.most_common(30)), "kind": dict(kinds.most_common())}


_FacetKey = tuple[tuple[str, ...], tuple[str, ...], str | None]  # an entity's active lists, countries and kind


def _keep(cache: dict[K, V], key: K, value: V, limit: int) -> V:
    """Store ``value`` under ``key`` and return it; a cache holding more than ``limit`` is emptied first (the caches
    of search keep what the last queries found: emptied whole, nothing to age)."""
    if len(cache) > limit:
        cache.clear()
    cache[key] = value
    return value


def _core_tokens(core: str) -> Iterable[str]:
    """The tokens a name's folded core is indexed under: its words and, spaced, the words joined ("xin rui tai" is also
    "xinruitai"); most cores are one word, its own token."""
    if " " not in core:
        return (core,) if core else ()
    return {*core.split(), core.replace(" ", "")}


def _in_runs(words: Sequence[str], targets: frozenset[str]) -> list[bool]:
    """For each of ``words``, whether it is in a run of two to four of them that, written together, is in ``targets``."""
    found = [False] * len(words)
    for n in (4, 3, 2):
        for i in range(len(words) - n + 1):
            if "".join(words[i : i + n]) in targets:
                found[i : i + n] = [True] * n
    return found


def _user_aliases(conn: sqlite3.Connection) -> Iterator[tuple[int, int, str, str]]:
    """The names the user gave entities, as index rows (their row number is minus their ``user_aliases`` id), each
    after the lists' names of its entity; one the lists already give is left out."""
    given = conn.execute("SELECT -a.id, e.id, a.name FROM user_aliases a JOIN entities e ON e.key = a.entity_key ORDER BY e.id, a.id").fetchall()
    for row, eid, name in given:
        keys = analyze(name)
        if keys.latn and not conn.execute("SELECT 1 FROM names WHERE entity_id = ? AND latn = ?", (eid, keys.latn)).fetchone():
            yield row, eid, keys.latn, keys.core


def query_keys(text: str, known: Callable[[str], bool] | None = None) -> list[NameKeys]:
    """The keys a query is matched by (``normalize.variants``), romanisations folded as the index's are; with ``known``
    (a word some stored name says: ``SearchIndex.says``), a misspelled legal form or industry word is read as the word
    (``normalize.unslip``)."""
    keys = variants(text)
    if known is not None:
        keys = [unslip(k, known) for k in keys]
    return [NameKeys(roman_fold(k.latn), roman_fold(k.core)) for k in keys]


def _closest(word: str, others: Sequence[str]) -> float:
    """0–100: how close ``word`` is as a spelling to the closest of ``others``, when that is 80 or more (else 0), in
    rapidfuzz's C loops: the best of indel ratio and OSA similarity, a swap of two letters one slip ("Padna", "Panda").

    Two neighbouring letters swapped in a word of five or more is a typing slip, not another name: it counts as the
    word ("Promoli" for "Promoil"); a letter more or less stays a difference ("Sinnet" is not "Sinonet").
    """
    if not others:
        return 0.0
    by_ratio = process.extractOne(word, others, scorer=fuzz.ratio, score_cutoff=80)
    by_osa = process.extractOne(word, others, scorer=OSA.normalized_similarity, score_cutoff=0.8)
    best = max(by_ratio[1] if by_ratio else 0.0, 100 * by_osa[1] if by_osa else 0.0)
    if best and len(word) >= 5 and best < 100 and _swapped(word, others):  # a swap scores 80 or more by ratio
        return 100.0
    return best


def _swapped(word: str, others: Iterable[str]) -> bool:
    """Whether one of ``others`` is ``word`` with two neighbouring letters swapped (``_closest``'s typing slip)."""
    letters = sorted(word)
    return any(len(t) == len(word) and OSA.distance(word, t) == 1 and sorted(t) == letters for t in others)


# Legal forms that say under which country's law a firm is registered (English-style forms say little).
_FORM_LAW = {
    "ooo": "ru",
    "oao": "ru",
    "zao": "ru",
    "pao": "ru",
    "too": "kz",
    "tov": "ua",
    "ltda": "br",
    "gmbh": "de",
    "ag": "de",
    "kg": "de",
    "sarl": "fr",
    "srl": "it",
    "spa": "it",
    "kk": "jp",
    "sdn": "my",
    "bhd": "my",
    "pte": "sg",
    "pty": "au",
    "bv": "nl",
    "ab": "se",
    "fze": "ae",
    "fzco": "ae",
}


_LAW_WORDS = frozenset(_FORM_LAW)


@lru_cache(maxsize=8192)
def _jurisdictions(latn: str) -> frozenset[str]:
    """The countries whose law the legal forms of a folded name belong to."""
    return frozenset(_FORM_LAW[t] for t in latn.split() if t in _FORM_LAW)


# Place words of names and the country they are in (a query's place word is not missing from an entity there).
_PLACE_COUNTRY = {
    roman_fold(place): code
    for place, code in (
        {place: "CN" for place in PLACES} | {"hk": "HK", "kowloon": "HK", "macau": "MO", "macao": "MO", "russia": "RU", "moscow": "RU", "russian": "RU"}
    ).items()
}

_NONE: frozenset[str] = frozenset()

# A query of place words only lists the entities there, scored by how they are there (below any name match).
PLACE_IN_NAME, PLACE_IN_ADDRESS, PLACE_COUNTRY = 70.0, 65.0, 60.0
_COUNTRY_WORD = {roman_fold(w): code for w, code in {"china": "CN", "prc": "CN", "hk": "HK", "macau": "MO", "macao": "MO", "russia": "RU"}.items()}
# The territories a name can say it is in ("World Jetta (H.K.) Logistics" is in HK, wherever its address is)
_NAMED_TERRITORY = {word: code for word, code in _COUNTRY_WORD.items() if code in ("HK", "MO")}

_LEGAL_WORDS = re.compile(r"(?<!\S)(?:" + "|".join(sorted(map(re.escape, LEGAL_F), key=len, reverse=True)) + r")(?!\S)")
CORE_WEIGHT = 0.7  # the trade name's share of the base score; the whole name (as a set, and in order without legal forms) has the rest


@lru_cache(maxsize=1 << 16)
def _body(latn: str) -> str:
    """A folded name without its legal-form words (token_sort splits on any run of spaces)."""
    return _LEGAL_WORDS.sub(" ", latn)


def _combine(core: float, token_set: float, token_sort: float) -> float:
    """The base score from its parts (the one formula of ``base_score`` and ``_score_batch``): below 100, kept for the same name."""
    return min(99.9, CORE_WEIGHT * core + (1 - CORE_WEIGHT) * (0.5 * token_set + 0.5 * token_sort))


def _pack(strings: list[str]) -> tuple[str, array]:
    """Many short strings as one string and an offset array (a tenth of the memory of a list)."""
    return "".join(strings), array("I", accumulate(map(len, strings), initial=0))


def _unpack(text: str, at: array) -> list[str]:
    """The strings :func:`_pack` joined."""
    return [text[a:b] for a, b in pairwise(at)]


def _select(db: sqlite3.Connection, sql: str, ids: list[int]) -> list[tuple]:
    out: list[tuple] = []
    for i in range(0, len(ids), 500):
        part = ids[i : i + 500]
        out += db.execute(sql.format(",".join("?" * len(part))), part).fetchall()
    return out


_NEGATED = {c: 0x7F - c for c in range(0x80)}


def _neg(date: str) -> str:
    """Sort key that puts later ISO dates first."""
    return date.translate(_NEGATED)


__all__ = ["Filters", "Hit", "SearchIndex", "SearchResult", "parse_query"]
