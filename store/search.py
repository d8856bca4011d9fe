"""The search engine: an in-memory token index over every name and alias, rescored with rapidfuzz.

Candidates come from an inverted index over the normalised tokens of every name
(plus each name's joined core, so pinyin spacing doesn't matter): exact tokens,
prefixes of the token being typed, and one- or two-edit typos. The best few
hundred candidates are rescored with ``0.7·WRatio(core) + 0.3·token_set_ratio``
(see ../shared/research/name-matching.md) in small chunks between which the caller's
``cancelled()`` is checked, then grouped by entity with the best alias kept.
"""

from __future__ import annotations

import bisect
import math
import re
import sqlite3
import time
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from .normalize import LEGAL, NameKeys, analyze

MAX_QUERY = 256  # characters of a query that are read; the rest is ignored
CANDIDATES = 400  # names rescored per query
CHUNK = 64  # names scored between two cancel checks
COMMON = 50_000  # a token in more names than this only narrows, it does not generate candidates
PREFIX_FANOUT = 300  # vocabulary tokens one prefix may expand to


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
        return not (self.countries or self.lists or self.status or self.kinds or self.hs_chapter
                    or self.tier or self.watchlist)


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

    @property
    def status(self) -> str:
        """"active" if any listing is active, "removed" if all are, "" if never listed."""
        return "active" if self.lists else ("removed" if self.removed_lists else "")

    def as_dict(self) -> dict:
        """The stable JSON shape of a hit."""
        return {"id": self.entity_id, "key": self.key, "name": self.name, "matched_name": self.matched_name,
                "matched_kind": self.matched_kind, "score": round(self.score, 1), "lists": self.lists,
                "removed_lists": self.removed_lists, "status": self.status, "countries": self.countries,
                "kind": self.kind, "chpl_tiers": self.tiers}


@dataclass(slots=True)
class SearchResult:
    """Hits for one query, with facet counts over every match (not only the shown ones)."""

    query: str
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]
    elapsed_ms: float

    def as_dict(self) -> dict:
        """The stable JSON shape of a result."""
        return {"query": self.query, "elapsed_ms": round(self.elapsed_ms, 2), "total": self.total,
                "facets": self.facets, "results": [h.as_dict() for h in self.hits]}


@dataclass(slots=True)
class _Entity:
    key: str
    name: str
    kind: str
    countries: tuple[str, ...]
    lists: tuple[str, ...]
    removed: tuple[str, ...]
    latest: str
    chapters: frozenset[str]
    tiers: tuple[str, ...]


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
            filters.hs_chapter = re.sub(r"\D", "", values[0])[:2] or None
        elif name == "tier" and values:
            filters.tier = values[0].upper()
        elif name == "on":
            filters.watchlist = True
    return _FILTER.sub(" ", text).strip(), filters


class SearchIndex:
    """Every name of every entity, indexed for as-you-type fuzzy search."""

    def __init__(self) -> None:
        self.name_entity = array("i")
        self.names: list[str] = []
        self.kinds: list[str] = []
        self.latn: list[str] = []
        self.core: list[str] = []
        self.postings: dict[str, array] = {}
        self.vocab: list[str] = []
        self.by_length: dict[int, list[str]] = {}
        self.entities: dict[int, _Entity] = {}
        self.watchlist: set[str] = set()
        self.recent: list[int] = []

    # -- building ------------------------------------------------------------------------
    @classmethod
    def build(cls, conn: sqlite3.Connection) -> SearchIndex:
        """Read names and entity attributes from the store (normalised keys were stored at import)."""
        index = cls()
        index.load_entities(conn)
        postings: dict[str, array] = defaultdict(lambda: array("i"))
        seen: set[tuple[int, str]] = set()
        for eid, name, kind, latn, core in conn.execute(
            "SELECT entity_id, name, kind, latn, core FROM names ORDER BY kind != 'primary', id"
        ):
            if (eid, latn) in seen or eid not in index.entities:
                continue
            seen.add((eid, latn))
            nid = len(index.names)
            index.name_entity.append(eid)
            index.names.append(name)
            index.kinds.append(kind)
            index.latn.append(latn)
            index.core.append(core)
            for tok in set(latn.split()) | {core.replace(" ", "")}:
                if tok:
                    postings[tok].append(nid)
        index.postings = dict(postings)
        index.vocab = sorted(index.postings)
        by_length: dict[int, list[str]] = defaultdict(list)
        for tok in index.vocab:
            by_length[len(tok)].append(tok)
        index.by_length = dict(by_length)
        return index

    def load_entities(self, conn: sqlite3.Connection) -> None:
        """(Re)load entity attributes used for filters, facets and ordering."""
        lists: dict[int, list[str]] = defaultdict(list)
        removed: dict[int, list[str]] = defaultdict(list)
        latest: dict[int, str] = {}
        for eid, code, status, start in conn.execute("SELECT entity_id, list, status, start_date FROM listings"):
            (lists if status == "active" else removed)[eid].append(code)
            if start and start[:1].isdigit() and start > latest.get(eid, ""):
                latest[eid] = start
        chapters: dict[int, set[str]] = defaultdict(set)
        tiers: dict[int, set[str]] = defaultdict(set)
        for eid, code, tier in conn.execute(
            "SELECT g.entity_id, g.hs_code, c.tier FROM entity_goods g LEFT JOIN chpl c ON c.hs6 LIKE g.hs_code || '%'"
        ):
            chapters[eid].add(code[:2])
            if tier:
                tiers[eid].add(tier)
        self.entities = {
            eid: _Entity(key, name, kind, tuple(c for c in countries.split(",") if c), tuple(sorted(lists[eid])),
                         tuple(sorted(removed[eid])), latest.get(eid, ""), frozenset(chapters[eid]),
                         tuple(sorted(tiers[eid])))
            for eid, key, name, kind, countries in conn.execute("SELECT id, key, name, kind, countries FROM entities")
        }
        self.recent = sorted(self.entities, key=lambda e: self.entities[e].latest, reverse=True)
        self.refresh_watchlist(conn)

    def refresh_watchlist(self, conn: sqlite3.Connection) -> None:
        """Reload the starred entity keys (the watchlist filter)."""
        self.watchlist = {k for (k,) in conn.execute("SELECT entity_key FROM user_watchlist")}

    # -- candidate generation ------------------------------------------------------------
    def _expand(self, term: str, prefix: bool) -> list[tuple[str, float]]:
        """Vocabulary tokens a query term may stand for, with a weight (exact 1, prefix .9, typo .8)."""
        out: dict[str, float] = {}
        if term in self.postings:
            out[term] = 1.0
        if prefix or len(term) >= 5:
            lo = bisect.bisect_left(self.vocab, term)
            hi = bisect.bisect_left(self.vocab, term + "\x7f", lo)
            step = max(1, (hi - lo) // PREFIX_FANOUT)
            for tok in self.vocab[lo:hi:step][:PREFIX_FANOUT]:
                out.setdefault(tok, 0.9 if prefix else 0.85)
        if len(term) >= 4 and term not in self.postings:
            limit = 1 if len(term) < 8 else 2
            for length in range(len(term) - limit, len(term) + limit + 1):
                bucket = self.by_length.get(length, ())
                same_start = [t for t in bucket if t[0] == term[0]] if len(bucket) > 5000 else bucket
                for tok, dist, _ in process.extract(term, same_start, scorer=Levenshtein.distance,
                                                    score_cutoff=limit, limit=50):
                    out.setdefault(tok, 0.8 - 0.1 * dist)
        return list(out.items())

    def _candidates(self, q: NameKeys, typing: bool, allowed: Callable[[int], bool]) -> list[int]:
        toks = list(dict.fromkeys(q.latn.split()))
        distinct = [t for t in toks if t not in LEGAL] or toks
        terms = [(t, typing and i == len(distinct) - 1 and t == toks[-1]) for i, t in enumerate(distinct)]
        if len(q.core.split()) > 1:
            terms.append((q.joined, typing))
        n = max(1, len(self.names))
        acc: dict[int, float] = defaultdict(float)
        expansions = [(t, self._expand(t, p)) for t, p in terms]
        sizes = {t: sum(len(self.postings[x]) for x, _ in ex) for t, ex in expansions}
        rare = [t for t, _ in expansions if sizes[t] <= COMMON]
        for term, expanded in expansions:
            if rare and term not in rare:
                continue
            for tok, weight in expanded:
                plist = self.postings[tok]
                w = weight * math.log(1 + n / len(plist))
                for nid in plist[:COMMON]:
                    acc[nid] += w
        ranked = sorted(acc, key=acc.__getitem__, reverse=True)
        return [nid for nid in ranked if allowed(self.name_entity[nid])][:CANDIDATES]

    # -- scoring -------------------------------------------------------------------------
    @staticmethod
    def score(q: NameKeys, latn: str, core: str, typing: bool = False) -> float:
        """0–100: how well a name matches the query (core dominates, the whole name breaks ties).

        While typing, the query is also compared with the start of the name's core, so "sinn"
        scores high on "Sinno" before the word is complete.
        """
        if q.latn == latn:
            return 100.0
        joined = core.replace(" ", "")
        core_score = max(fuzz.WRatio(q.core, core), fuzz.ratio(q.joined, joined))
        if typing and len(q.joined) >= 3:
            core_score = max(core_score, 0.95 * fuzz.ratio(q.joined, joined[:len(q.joined)]))
        return 0.7 * core_score + 0.3 * fuzz.token_set_ratio(q.latn, latn)

    def _allowed(self, filters: Filters) -> Callable[[int], bool]:
        if filters.empty():
            return lambda eid: True
        ents = self.entities

        def ok(eid: int) -> bool:
            e = ents[eid]
            if filters.countries and not filters.countries.intersection(e.countries):
                return False
            if filters.lists and not filters.lists.intersection(e.removed if filters.status == "removed" else e.lists):
                return False
            if (filters.status == "active" and not e.lists) or (filters.status == "removed" and (e.lists or not e.removed)):
                return False
            if filters.kinds and e.kind not in filters.kinds:
                return False
            if filters.hs_chapter and filters.hs_chapter not in e.chapters:
                return False
            if filters.tier and not any(t == filters.tier or t.startswith(filters.tier + ".") for t in e.tiers):
                return False
            return not (filters.watchlist and e.key not in self.watchlist)

        return ok

    def _hit(self, eid: int, nid: int | None, score: float) -> Hit:
        e = self.entities[eid]
        return Hit(eid, e.key, e.name, self.names[nid] if nid is not None else e.name,
                   self.kinds[nid] if nid is not None else "primary", score, list(e.lists), list(e.removed),
                   list(e.countries), e.kind, list(e.tiers))

    def search(self, text: str, filters: Filters | None = None, *, limit: int = 50, min_score: float = 50.0,
               cancelled: Callable[[], bool] = lambda: False) -> SearchResult | None:
        """Search names; ``None`` if ``cancelled()`` turned true before the end."""
        started = time.perf_counter()
        text = text[:MAX_QUERY]
        typed, parsed = parse_query(text)
        filters = filters or parsed
        allowed = self._allowed(filters)
        q = analyze(typed)
        if not q.latn:
            eids = [e for e in self.recent if allowed(e)]
            hits = [self._hit(e, None, 0.0) for e in eids[:limit]]
            return SearchResult(text, hits, len(eids), self._facets(eids), (time.perf_counter() - started) * 1000)
        typing = not text.endswith(" ")
        best: dict[int, tuple[float, int]] = {}
        cands = self._candidates(q, typing, allowed)
        for start in range(0, len(cands), CHUNK):
            if cancelled():
                return None
            for nid in cands[start:start + CHUNK]:
                s = self.score(q, self.latn[nid], self.core[nid], typing)
                eid = self.name_entity[nid]
                if s >= min_score and s > best.get(eid, (-1.0, 0))[0]:
                    best[eid] = (s, nid)
        ents = self.entities
        order = sorted(best, key=lambda e: (-best[e][0], not ents[e].lists, _neg(ents[e].latest), e))
        hits = [self._hit(e, best[e][1], best[e][0]) for e in order[:limit]]
        return SearchResult(text, hits, len(order), self._facets(order), (time.perf_counter() - started) * 1000)

    def _facets(self, eids: Iterable[int]) -> dict[str, dict[str, int]]:
        lists: Counter[str] = Counter()
        countries: Counter[str] = Counter()
        kinds: Counter[str] = Counter()
        for eid in eids:
            e = self.entities[eid]
            lists.update(e.lists)
            countries.update(e.countries)
            kinds[e.kind] += 1
        return {"list": dict(lists.most_common()), "country": dict(countries.most_common(30)),
                "kind": dict(kinds.most_common())}


def _neg(date: str) -> str:
    """Sort key that puts later ISO dates first."""
    return "".join(chr(0x7F - ord(c)) for c in date)


__all__ = ["Filters", "Hit", "SearchIndex", "SearchResult", "parse_query"]
