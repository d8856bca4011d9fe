"""Entity resolution across lists: which records are the same firm or person.

Every list record stays an ``entities`` row with its own facts. Resolution only groups them: a
record merged into another gets a ``resolution`` row pointing at its group (the group's first
record, lowest id), and the read side (search, entity page, watchlist) shows the group as one
entity whose facts each keep their record and list.

Automatic merges need the same *identity name* (the folded name without legal forms, boilerplate
such as "and its sub-units and successors" or an acronym in brackets, word order ignored) on
records from different lists, plus one of:

- a shared identifier (registration number, tax id, website, e-mail...), or
- a shared street-level address, or
- a shared country (companies only; people need an identifier or an address), or
- for a record that states no country at all (State's ISN list, for one): the name belongs to just
  these two records in the whole store.

Conflicts stop a merge: different kinds (person vs company), countries that don't meet, the same
kind of identifier with different values, or a group that would hold two records of one list.
Weaker matches (same name without corroboration, same distinctive core, a shared identifier under
different names) become *candidates*. The user's decisions (``user_resolve_decisions``, keyed by
the two entity keys) override both and survive re-imports and rebuilds: "same" merges a pair,
"different" keeps it apart (which is how a merge is undone).
"""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from collections.abc import Collection, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

import sqlite_utils
from rapidfuzz import fuzz

from .countries import places
from .db import IN_JSON, as_json, gc_paused, now, rows, transaction, user
from .models import Candidate, of_row
from .normalize import LEGAL, analyze
from .vocabulary import STREET_LEVEL

# Boilerplate after a name: "..., and its sub-units and successors", "and any successor, subunit, or subsidiary thereof".
_BOILERPLATE = re.compile(
    r"[,;]?\s*(?:and|&|including)?\s*(?:its|any|all)\s+(?:successors?|sub-?units?|subsidiar(?:y|ies)|"
    r"subordinate|affiliates?)\b.*$",
    re.IGNORECASE,
)
# Legal forms beyond normalize.LEGAL, in folded spelling (company → co, limited → ltd), longest first.
_LEGAL_PHRASES = (
    "public joint stock co",
    "open joint stock co",
    "closed joint stock co",
    "joint stock co",
    "ltd liability co",
    "ltd liability partnership",
    "aktsionernoe obshchestvo",
    "obshchestvo s ogranichennoi otvetstvennostyu",
    "obshchestvo s ogranichennoy otvetstvennostyu",
    "ltd sirketi",
    "anonim sirketi",
)
_LEGAL_WORDS = frozenset({"ao", "pao", "pjsc", "tov", "too", "oy", "nv", "fzc", "fzllc", "sirketi", "sti", "as"})
_BRACKETED = re.compile(r"\([^()]{1,40}\)")
# Identifier kinds that describe rather than identify (sanctions notes, dates, models, types).
_DESCRIPTIVE = re.compile(
    r"date|:|executive order|model|operator|type|flag|gender|nationality|citizen|"
    r"place of birth|title|effective|designation|risk|listing",
    re.IGNORECASE,
)
_CONTACT = ("website", "email", "e-mail", "phone", "telephone", "fax")
# Person-like kinds: a shared name and country is not enough for these.
_PEOPLE = frozenset({"person"})
# Letters a name needs before being the only record holding it means something (one fewer when it is both records' own name).
_MIN_NAME_CHARS = 6

SAME, DIFFERENT = "same", "different"
BLOCK_LIMIT = 50  # records sharing a block beyond this (a registered agent's address, a generic word) are not compared on it
LONE_MAX = 5  # a name held by more records than this is never "found on no other record"
INCREMENTAL_MAX = 5_000  # touched records beyond this: regroup everything (as quick, and simpler)


def identity_name(name: str) -> str:
    """The forms of a name that must be equal for two records to be merged automatically, tab-separated.

    Two forms when the name has a bracketed part or boilerplate: as written, and without them
    ("Duling Technology (HK) Limited" meets both "DULING TECHNOLOGY HK LIMITED" and "Duling Technology").
    """
    forms = [_identity(name)]
    bare = _BRACKETED.sub(" ", name) if "(" in name else name
    if not bare.isascii() or any(word in bare.lower() for word in _BOILERPLATE_WORDS):  # (only then can it match)
        bare = _BOILERPLATE.sub("", bare)
    if bare.strip() and bare != name:
        forms.append(_identity(bare))
    return "\t".join(dict.fromkeys(f for f in forms if f))


def _identity(text: str) -> str:
    latn = analyze(text).latn  # analyze is cached, and importers have just called it on the name
    toks = latn.split()
    if not _PHRASE_HEADS.isdisjoint(toks):  # a legal phrase may be in it (each starts with one of these words)
        folded = f" {latn} "
        for phrase in _PADDED_PHRASES:
            folded = folded.replace(phrase, " ")
        toks = folded.split()
    kept = [t for t in toks if t not in LEGAL and t not in _LEGAL_WORDS] or toks
    return " ".join(sorted(map(_translit, kept)))


_PADDED_PHRASES = tuple(f" {phrase} " for phrase in _LEGAL_PHRASES)  # as whole words of a folded name
_PHRASE_HEADS = frozenset(phrase.split()[0] for phrase in _LEGAL_PHRASES)
# What _BOILERPLATE's last word holds in any case: an ASCII name without any of these cannot match it
_BOILERPLATE_WORDS = ("succ", "sub", "affil")
_TRANSLIT = (("x", "ks"), ("ph", "f"), ("w", "v"), ("ck", "k"), ("kh", "h"), ("y", "i"), ("ie", "e"), ("j", "i"))
_HARD_C = re.compile(r"c(?!h)")


@lru_cache(maxsize=1 << 16)  # names share most of their words: folded once each
def _translit(word: str) -> str:
    """Fold the usual romanisation differences: Eniks/ENICS, Duks/Dux, Proyekt/Proekt, Aleksandr/Alexandr."""
    for a, b in _TRANSLIT:
        word = word.replace(a, b)
    return _HARD_C.sub("k", word)


# Russian and CIS legal forms fall in two families; "Stroytransgaz LLC" and "Stroytransgaz OJSC" are two firms.
_LEGAL_FAMILIES = {
    "llc": ("llc", "ooo", "ltd liability", "tov", "too", "obshchestvo s ogranichennoi", "obshchestvo s ogranichennoy"),
    "jsc": ("jsc", "ojsc", "cjsc", "oao", "zao", "ao", "pao", "pjsc", "joint stock", "aktsionernoe obshchestvo"),
}


# each family's forms as whole words of a folded name
_FAMILY_FORMS = {f: re.compile(r"(?<![^ ])(?:" + "|".join(map(re.escape, forms)) + r")(?![^ ])") for f, forms in _LEGAL_FAMILIES.items()}


def legal_families(latn: str) -> frozenset[str]:
    """Which legal-form families a folded name carries."""
    return shared_set(f for f, words in _FAMILY_FORMS.items() if words.search(latn))


_SETS: dict[frozenset[str], frozenset[str]] = {}


def shared_set(values: Iterable[str]) -> frozenset[str]:
    """``frozenset(values)``, one object for each distinct set: records hold a set each (countries, lists, legal-form
    families) of a few hundred distinct ones, so a load or an import holds a few hundred sets, not one per record."""
    frozen = frozenset(values)
    return _SETS.setdefault(frozen, frozen)


def _alnum(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _identifier(kind: str, value: str) -> str | None:
    """The comparable form of an identifier, or None when it does not identify anything."""
    if _DESCRIPTIVE.search(kind):
        return None
    lowered = kind.lower()
    if any(c in lowered for c in _CONTACT):
        value = re.sub(r"^(https?://)?(www\.)?", "", value.strip().lower()).rstrip("/")
        return f"contact:{value}" if len(value) >= 6 else None
    norm = _alnum(value)
    return f"id:{norm}" if len(norm) >= 5 and any(ch.isdigit() for ch in norm) else None


def _building(norm: str) -> str | None:
    """The numbers of an address when they pin down a building: a postcode (5+ digits) and a house number."""
    numbers = sorted({t for t in norm.split() if t.isdigit()})
    if len(numbers) >= 2 and any(len(n) >= 5 for n in numbers) and any(len(n) <= 4 for n in numbers):
        return " ".join(numbers)
    return None


def _by_kind(ids: dict[str, str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for value, kind in ids.items():
        out["contact" if value.startswith("contact:") else kind.lower()].add(value)
    return out


@dataclass(slots=True)
class Record:
    """What resolution knows about one list record."""

    id: int
    key: str
    kind: str
    countries: frozenset[str]
    # Each set is the one load() made, or a shared empty one: most records have no address, identifier or building.
    lists: AbstractSet[str] = frozenset()  # lists it is actively on (a removed listing may be its own successor)
    names: AbstractSet[str] = frozenset()
    primary: AbstractSet[str] = frozenset()  # identity names of the record's primary name
    label: str = ""  # the primary name, folded: a list repeats a party once per address under one label
    legal: frozenset[str] = frozenset()  # legal-form families of the primary name ("llc", "jsc")
    cores: AbstractSet[str] = frozenset()
    ids: dict[str, str] = field(default_factory=dict)  # comparable value → identifier kind
    addresses: AbstractSet[str] = frozenset()
    buildings: AbstractSet[str] = frozenset()  # house number + postcode: "19 Promyshlennaya St" = "Ul. Promyshlennaya D. 19"


def load(conn: sqlite3.Connection, ids: Collection[int] | None = None) -> dict[int, Record]:
    """Every entity with a listing (or those of ``ids`` that have one), with the facts resolution compares."""
    recs: dict[int, Record] = {}
    some, only = (f" AND entity_id {IN_JSON}", (as_json(sorted(ids)),)) if ids is not None else ("", ())
    for eid, key, kind, countries in conn.execute(
        "SELECT id, key, kind, countries FROM entities WHERE id IN (SELECT entity_id FROM listings WHERE 1" + some + ")", only
    ):
        recs[eid] = Record(eid, key, kind, shared_set(filter(None, countries.split(","))))
    # each record's sets are gathered here, then given to it: one set for each one that holds something
    lists: dict[int, set[str]] = defaultdict(set)
    for eid, code in conn.execute("SELECT entity_id, list FROM listings WHERE status = 'active'" + some, only):
        key = recs[eid].key
        # a list as each source gives it: OpenSanctions' SDN record and OFAC's own may be one entity
        lists[eid].add(f"{code}@{key.split(':', 2)[1]}" if key.startswith("ftm:") else code)
    for eid, latn in conn.execute("SELECT entity_id, latn FROM names WHERE kind = 'primary'" + some, only):
        if (rec := recs.get(eid)) is not None:  # records with the source's own id are distinct by that id, never repeats of one another
            rec.label = rec.key if rec.key.startswith("ofac:") else latn
            rec.legal = legal_families(latn)
    missing: list[tuple[str, int]] = []
    names: dict[int, set[str]] = defaultdict(set)
    primary: dict[int, set[str]] = defaultdict(set)
    cores: dict[int, set[str]] = defaultdict(set)
    named = conn.execute("SELECT id, entity_id, name, kind, core, ident FROM names WHERE kind != 'former'" + some, only)
    for nid, eid, name, kind, core, ident in named:
        if eid in recs:
            if ident is None:  # a store from before schema 3
                ident = identity_name(name)
                missing.append((ident, nid))
            for form in ident.split("\t"):
                if len(form.replace(" ", "")) >= 3:
                    names[eid].add(form)
                    if kind == "primary":
                        primary[eid].add(form)
            if core and len(core.replace(" ", "")) >= _MIN_NAME_CHARS:
                cores[eid].add(" ".join(sorted(core.split())))
    if missing and conn.in_transaction:
        conn.executemany("UPDATE names SET ident = ? WHERE id = ?", missing)
    for eid, kind, value in conn.execute("SELECT entity_id, kind, value FROM identifiers WHERE 1" + some, only):
        if eid in recs and (norm := _identifier(kind, value)):
            recs[eid].ids[norm] = kind
    addresses: dict[int, set[str]] = defaultdict(set)
    buildings: dict[int, set[str]] = defaultdict(set)
    for eid, norm in conn.execute(f"SELECT a.entity_id, a.norm FROM addresses a WHERE {STREET_LEVEL}" + some, only):
        if eid in recs:
            addresses[eid].add(norm)
            if building := _building(norm):
                buildings[eid].add(building)
    for attr, sets in (("names", names), ("cores", cores), ("addresses", addresses), ("buildings", buildings)):
        for eid, values in sets.items():
            setattr(recs[eid], attr, values)
    for eid, values in primary.items():  # most records' names are their primary name's forms: one set for both
        rec = recs[eid]
        rec.primary = rec.names if values == rec.names else values
    for eid, values in lists.items():
        recs[eid].lists = shared_set(values)
    return recs


@dataclass(slots=True)
class Verdict:
    """How two records compare: merge automatically, propose, or neither, and why."""

    action: str  # "merge", "candidate" or ""
    reason: str
    score: float = 0.0


def compare(a: Record, b: Record, lone_names: set[str]) -> Verdict:
    """Decide whether two records of different lists are the same entity."""
    if a.kind != b.kind and a.key.startswith("ofac:") and b.key.startswith("ofac:") and "other" not in (a.kind, b.kind):
        return Verdict("", f"kinds differ ({a.kind}, {b.kind})")  # only OFAC states kinds reliably
    pa, pb = places(a.countries), places(b.countries)
    if pa and pb and not pa & pb:
        return Verdict("", f"countries differ ({','.join(sorted(a.countries))} / {','.join(sorted(b.countries))})")
    kinds_a, kinds_b = _by_kind(a.ids), _by_kind(b.ids)
    clash = [k for k in kinds_a.keys() & kinds_b.keys() if not kinds_a[k] & kinds_b[k] and not k.startswith("contact")]
    shared_ids = sorted(set(a.ids) & set(b.ids))
    # A one-word name shared through aliases ("Prometheus", "MMZ") names too many firms to merge on,
    # unless it is one record's own name and long enough to be distinctive ("Volgogradpromproekt").
    names = sorted(
        n for n in a.names & b.names if " " in n or (n in a.primary and n in b.primary) or ((n in a.primary or n in b.primary) and len(n) >= 8)
    )
    weak_names = sorted(a.names & b.names) if not names else []
    if clash and not shared_ids:
        return Verdict("", f"{clash[0]} differs")
    shared_address = sorted(a.addresses & b.addresses)
    same_building = shared_address or sorted(a.buildings & b.buildings)
    person = a.kind in _PEOPLE or b.kind in _PEOPLE
    if person and a.key.startswith("ofac:") and b.key.startswith("ofac:") and not (shared_ids or shared_address):
        return Verdict("candidate" if a.names & b.names else "", "two OFAC entries for people: OFAC keeps them apart", 60)
    if names:
        if shared_ids:
            return Verdict("merge", f"same name, same {a.ids[shared_ids[0]]}", 100)
        if shared_address:
            return Verdict("merge", "same name, same address", 99)
        if same_building:
            return Verdict("merge", "same name, same building (house number and postcode)", 98)
        # On a name alone, it must be one record's own name (not two aliases, which may name a parent
        # company), and the legal forms must agree (an LLC and a JSC of one name are two firms).
        own = [n for n in names if n in a.primary or n in b.primary] or (names if _alike(a, b) else [])
        if own and not (a.legal and b.legal and not a.legal & b.legal):
            if pa & pb and not person:
                return Verdict("merge", f"same name, same country ({','.join(sorted(a.countries & b.countries) or sorted(pa & pb))})", 97)
            for name in own:
                letters = len(name.replace(" ", ""))
                both_own = name in a.primary and name in b.primary
                long_enough = letters >= _MIN_NAME_CHARS - 2 * both_own and (not person or len(name.split()) >= 3 or (both_own and letters >= 6))
                if name in lone_names and long_enough:
                    return Verdict("merge", "same name, found on no other record", 95)
        if a.primary & b.names and b.primary & a.names and len(a.names & b.names) >= 2:
            return Verdict("merge", "each one's own name is among the other's names", 94)
        return Verdict("candidate", f"same name ({_shown(names)})" + (", same country" if pa & pb else ""), 90)
    if shared_ids:
        return Verdict("candidate", f"same {a.ids[shared_ids[0]]}, different names", 85)
    if weak_names and not person:
        if same_building:
            return Verdict("merge", "same one-word name, same building", 92)
        return Verdict("candidate", f"same one-word alias ({_shown(weak_names)})", 82)
    if a.cores & b.cores and (shared_address or pa & pb):
        return Verdict("candidate", "same distinctive name" + (", same address" if shared_address else ", same country"), 80)
    if shared_address and not person:
        return Verdict("candidate", "same address, different names", 70)
    return Verdict("", "nothing shared")


def _shown(names: list[str]) -> str:
    """The shared names a candidate rests on, as folded for comparison ("sinno elec co ltd"; two at most)."""
    return "; ".join(names[:2]) + (f"; +{len(names) - 2}" if len(names) > 2 else "")


def _alike(a: Record, b: Record) -> bool:
    """True when the two records' own names are near-identical ("Ukrainian-" / "Ukraine Mediterranean Airlines")."""
    return any(fuzz.token_sort_ratio(x, y) >= 88 for x in a.primary for y in b.primary)


def lone_names(recs: dict[int, Record], crowded: Collection[str] = ()) -> set[str]:
    """Names held only by records that could all be one entity: each on its own list, countries meeting.
    ``crowded``: names known to have more than LONE_MAX owners in the store (when ``recs`` is a part of it)."""
    owners: dict[str, list[int]] = defaultdict(list)
    for r in recs.values():
        for n in r.names:
            owners[n].append(r.id)
    out = set()
    for name, ids in owners.items():
        if len(ids) < 2 or len(ids) > LONE_MAX or name in crowded:
            continue
        lists: dict[str, str] = {}
        parties: dict[str, frozenset[str]] = {}  # one party per label: a list repeats it once per address country
        for i in ids:
            r = recs[i]
            if any(lists.get(code, r.label) != r.label for code in r.lists):
                break
            lists.update(dict.fromkeys(r.lists, r.label))
            parties[r.label] = parties.get(r.label, frozenset()) | places(r.countries)
        else:
            known = [p for p in parties.values() if p]
            if not known or frozenset.intersection(*known):
                out.add(name)
    return out


def blocks_of(r: Record) -> set[str]:
    """What a record is compared on: each name, distinctive core, identifier and street address, as one "block" key."""
    return {"n:" + n for n in r.names} | {"c:" + c for c in r.cores} | {"i:" + v for v in r.ids} | {"a:" + ad for ad in r.addresses}


def _blocks_of_each(conn: sqlite3.Connection, ids: list[int]) -> list[tuple[int, set[str]]]:
    """(record, :func:`blocks_of` it) for the records ``ids`` (sorted, each with a listing), read for their blocks alone:
    what :func:`load` reads of their names, identifiers and addresses, not their lists, labels and buildings (a whole
    regroup writes every record's blocks: two fifths of a 100,000-row import's regroup went on records loaded whole)."""
    only = (as_json(ids),)
    blocks: dict[int, set[str]] = {eid: set() for eid in ids}
    for eid, name, core, ident in conn.execute(f"SELECT entity_id, name, core, ident FROM names WHERE kind != 'former' AND entity_id {IN_JSON}", only):
        held = blocks[eid]
        for form in (ident if ident is not None else identity_name(name)).split("\t"):
            if len(form) - form.count(" ") >= 3:  # letters and digits, spaces aside (counted, not removed: 320k names)
                held.add("n:" + form)
        if core and len(core) - core.count(" ") >= _MIN_NAME_CHARS:
            held.add("c:" + (" ".join(sorted(core.split())) if " " in core else core))
    for eid, kind, value in conn.execute(f"SELECT entity_id, kind, value FROM identifiers WHERE entity_id {IN_JSON}", only):
        if norm := _identifier(kind, value):
            blocks[eid].add("i:" + norm)
    for eid, norm in conn.execute(f"SELECT a.entity_id, a.norm FROM addresses a WHERE {STREET_LEVEL} AND a.entity_id {IN_JSON}", only):
        blocks[eid].add("a:" + norm)
    return [(eid, held) for eid, held in blocks.items() if held]


def pairs(recs: dict[int, Record], too_big: Collection[str] = ()) -> set[tuple[int, int]]:
    """Record pairs worth comparing: a shared name, core, identifier or address, on different lists.
    ``too_big``: blocks known to hold more than BLOCK_LIMIT records in the store (when ``recs`` is a part of it).

    The blocks of :func:`blocks_of`, gathered kind by kind on the records' own strings: no prefixed copy of each, and a
    list of holders only for a block held twice (most are held once: 200 MB less at 1M synthetic entities)."""
    out: set[tuple[int, int]] = set()
    for prefix, attr in (("n:", "names"), ("c:", "cores"), ("i:", "ids"), ("a:", "addresses")):
        first: dict[str, int] = {}
        shared: dict[str, list[int]] = {}
        for r in recs.values():
            for value in getattr(r, attr):
                if (held := first.setdefault(value, r.id)) != r.id:
                    shared.setdefault(value, [held]).append(r.id)
        del first
        for value, members in shared.items():
            if len(members) > BLOCK_LIMIT or (too_big and prefix + value in too_big):  # a registered agent's address, a generic word
                continue
            for x, y in combinations(sorted(members), 2):
                if not recs[x].lists & recs[y].lists or recs[x].label == recs[y].label:
                    out.add((x, y))
    return out


class _Groups:
    """Union-find over records that never lets a group hold two differently named records of one list."""

    def __init__(self, recs: dict[int, Record]) -> None:
        self.parent = {i: i for i in recs}
        self.lists = {i: dict.fromkeys(r.lists, r.label) for i, r in recs.items()}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int, force: bool = False) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        la, lb = self.lists[ra], self.lists[rb]
        if not force and any(la[code] != lb[code] for code in la.keys() & lb.keys()):
            return False
        keep, gone = min(ra, rb), max(ra, rb)
        self.parent[gone] = keep
        self.lists[keep] = {**self.lists.pop(gone), **self.lists[keep]}
        return True


def decisions(conn: sqlite3.Connection) -> dict[frozenset[str], str]:
    """The user's decisions, by the pair of entity keys."""
    return {frozenset((a, b)): d for a, b, d in conn.execute("SELECT key_a, key_b, decision FROM user_resolve_decisions")}


def regroup(conn: sqlite3.Connection, touched: Collection[int] | None = None) -> dict[str, int]:
    """Recompute groups and candidates from the store and the user's decisions (inside the caller's transaction).

    ``touched``: the only records whose facts or decisions changed since the last regroup (an import's records, the two
    of a decision). Then only their neighbourhood is regrouped (see :func:`_nearby`), with the same outcome as a
    regroup of everything; without it, or when the neighbourhood is a large part of the store, everything is.
    """
    with gc_paused():
        if touched is not None and len(touched) <= INCREMENTAL_MAX and _blocks_ready(conn):
            part = _nearby(conn, set(touched))
            if part is not None:
                return _regroup(conn, part)
        return _regroup(conn, None)


def _regroup(conn: sqlite3.Connection, part: set[int] | None) -> dict[str, int]:
    """Regroup the records of ``part`` (a union of whole neighbourhoods; None: every record) and write the outcome."""
    if part is None:
        return _regroup_all(conn)
    recs = load(conn, part)
    # The store-wide facts a part's outcome rests on: which of its blocks are too big to be evidence, and the other
    # holders of its names (whether a name is held by these records only)
    sizes = _block_sizes(conn, {b for r in recs.values() for b in blocks_of(r)})
    too_big = {b for b, n in sizes.items() if n > BLOCK_LIMIT}
    crowded = {b[2:] for b, n in sizes.items() if b.startswith("n:") and n > LONE_MAX}
    few = [b for b, n in sizes.items() if b.startswith("n:") and n <= LONE_MAX]
    others = {e for (e,) in conn.execute(f"SELECT entity_id FROM resolve_blocks WHERE block {IN_JSON}", (as_json(few),))} - recs.keys()
    owners = {**recs, **load(conn, others)} if others else recs
    resolution, open_candidates = _outcome(conn, recs, lone_names(owners, crowded), too_big)
    ids = as_json(sorted(part))
    conn.execute(f"DELETE FROM resolution WHERE entity_id {IN_JSON} OR group_id {IN_JSON}", (ids, ids))
    conn.execute(f"DELETE FROM resolve_candidates WHERE a_id {IN_JSON} OR b_id {IN_JSON}", (ids, ids))
    _write_outcome(conn, resolution, open_candidates)
    (records,) = conn.execute("SELECT count(DISTINCT entity_id) FROM listings").fetchone()
    (merged,) = conn.execute("SELECT count(*) FROM resolution").fetchone()
    (candidates,) = conn.execute("SELECT count(*) FROM resolve_candidates").fetchone()
    return {"records": records, "merged": merged, "candidates": candidates}


BLOCKS_CHUNK = 20_000  # records whose blocks a whole regroup computes and writes at once


def _regroup_all(conn: sqlite3.Connection) -> dict[str, int]:
    """Regroup every record, holding a chunk of them at a time, not all.

    Every record's blocks are written first, chunk by chunk (their indexes made once after them: 0.5 s instead of 0.8 s
    on the seed). Only records that share a block with another can be paired, and only pairs and the user's "same"
    decisions merge, so only those records are then loaded whole: a quarter of a 100,000-row synthetic import's, which
    held all of them (500 MB). Every holder of a shared name or block is among them, so the name's and block's sizes,
    and the outcome, are those of a regroup of everything (:func:`whole_grouping`, which the tests compare it with).
    """
    conn.execute("DROP INDEX IF EXISTS resolve_blocks_block")
    conn.execute("DROP INDEX IF EXISTS resolve_blocks_entity")
    conn.execute("DELETE FROM resolve_blocks")
    listed = [e for (e,) in conn.execute("SELECT DISTINCT entity_id FROM listings ORDER BY entity_id")]
    for start in range(0, len(listed), BLOCKS_CHUNK):
        # in a fixed order (a set's order changes with each process's hash seed): the same import writes the same rows
        chunk = _blocks_of_each(conn, listed[start : start + BLOCKS_CHUNK])
        conn.executemany("INSERT INTO resolve_blocks (block, entity_id) VALUES (?, ?)", ((b, eid) for eid, blocks in chunk for b in sorted(blocks)))
    conn.execute("CREATE INDEX resolve_blocks_block ON resolve_blocks(block)")
    conn.execute("CREATE INDEX resolve_blocks_entity ON resolve_blocks(entity_id)")
    conn.execute("INSERT OR REPLACE INTO store_state (key, value) VALUES ('blocks', 1)")
    shared = {
        e
        for (e,) in conn.execute(
            "SELECT entity_id FROM resolve_blocks WHERE block IN (SELECT block FROM resolve_blocks GROUP BY block HAVING count(*) > 1)"
            " UNION SELECT e.id FROM user_resolve_decisions d JOIN entities e ON e.key IN (d.key_a, d.key_b) WHERE d.decision = ?",
            (SAME,),
        )
    }
    recs = load(conn, shared)
    resolution, open_candidates = _outcome(conn, recs, lone_names(recs), ())
    conn.execute("DELETE FROM resolution")
    conn.execute("DELETE FROM resolve_candidates")
    _write_outcome(conn, resolution, open_candidates)
    return {"records": len(listed), "merged": len(resolution), "candidates": len(open_candidates)}


def _write_outcome(conn: sqlite3.Connection, resolution: list[tuple[int, int, str]], open_candidates: list[tuple[int, int, float, str]]) -> None:
    conn.executemany("INSERT INTO resolution (entity_id, group_id, reason) VALUES (?,?,?)", resolution)
    conn.executemany("INSERT INTO resolve_candidates (a_id, b_id, score, reason) VALUES (?,?,?,?)", open_candidates)


def stored_grouping(conn: sqlite3.Connection) -> tuple[list[tuple], list[tuple]]:
    """The groups (record, group, reason) and open candidates (a, b, score, reason) the store holds, sorted."""
    return (
        sorted(conn.execute("SELECT entity_id, group_id, reason FROM resolution")),
        sorted(conn.execute("SELECT a_id, b_id, score, reason FROM resolve_candidates")),
    )


def whole_grouping(conn: sqlite3.Connection) -> tuple[list[tuple], list[tuple]]:
    """What a regroup of every record would write, as :func:`stored_grouping` reads it (nothing is written): after any
    regroup in part, the two are equal."""
    recs = load(conn)
    resolution, candidates = _outcome(conn, recs, lone_names(recs), ())
    return sorted(resolution), sorted(candidates)


def _outcome(
    conn: sqlite3.Connection, recs: dict[int, Record], lone: set[str], too_big: Collection[str]
) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, float, str]]]:
    """The groups (record, group, reason) and open candidates of ``recs``: the strongest merges first."""
    by_key = {r.key: r.id for r in recs.values()}
    decided = decisions(conn)
    groups = _Groups(recs)
    merges: list[tuple[float, int, int, str]] = []
    candidates: list[tuple[int, int, float, str]] = []
    for pair, decision in decided.items():
        if decision == SAME and all(k in by_key for k in pair):
            a, b = sorted(by_key[k] for k in pair)
            merges.append((1000.0, a, b, "you said: same"))
    for a, b in pairs(recs, too_big):
        if frozenset((recs[a].key, recs[b].key)) in decided:
            continue
        verdict = compare(recs[a], recs[b], lone)
        if verdict.action == "merge":
            merges.append((verdict.score, a, b, verdict.reason))
        elif verdict.action == "candidate":
            candidates.append((a, b, verdict.score, verdict.reason))
    apart = [tuple(by_key[k] for k in pair) for pair, d in decided.items() if d == DIFFERENT and all(k in by_key for k in pair)]
    reasons: dict[int, str] = {}
    for score, a, b, reason in sorted(merges, key=lambda m: (-m[0], m[1], m[2])):
        if _splits(groups, a, b, apart):
            continue
        if groups.union(a, b, force=score >= 1000):
            reasons.setdefault(a, reason)
            reasons.setdefault(b, reason)
    resolution = []
    for i in recs:
        root = groups.find(i)
        if root != i:
            resolution.append((i, root, reasons.get(i, "same group")))
    # one candidate per pair of groups, the strongest, stored between the groups' own records: most are between two
    # records of no group, kept as they are (a million candidates of synthetic data: not a second copy of each)
    best: dict[int, tuple[int, int, float, str]] = {}
    for candidate in candidates:
        a, b, score, reason = candidate
        ra, rb = groups.find(a), groups.find(b)
        if ra == rb:
            continue
        low, high = (ra, rb) if ra < rb else (rb, ra)
        ends = low << 32 | high
        if (kept := best.get(ends)) is None or score > kept[2]:
            best[ends] = candidate if (low, high) == (a, b) else (low, high, score, reason)
    return resolution, list(best.values())


def _blocks_ready(conn: sqlite3.Connection) -> bool:
    """True when ``resolve_blocks`` holds every record's blocks (a full regroup wrote them; nothing since skipped them)."""
    return conn.execute("SELECT 1 FROM store_state WHERE key = 'blocks' AND value = 1").fetchone() is not None


def blocks_stale(conn: sqlite3.Connection) -> None:
    """Records were written without a regroup (a seed build groups once at the end): the next regroup is a full one."""
    conn.execute("DELETE FROM store_state WHERE key = 'blocks'")


def _block_sizes(conn: sqlite3.Connection, blocks: Collection[str]) -> dict[str, int]:
    return dict(conn.execute(f"SELECT block, count(*) FROM resolve_blocks WHERE block {IN_JSON} GROUP BY block", (as_json(sorted(blocks)),)))


def _nearby(conn: sqlite3.Connection, touched: set[int]) -> set[int] | None:
    """The records whose grouping may change when ``touched`` changed: a union of whole neighbourhoods, or None when
    that is a large part of the store (a full regroup is then as quick). Refreshes the touched records' blocks first.

    A neighbourhood is closed under everything an outcome depends on: shared blocks small enough to be evidence, the
    user's "same" decisions, and the groups and candidates as they were (a touched record may leave them). Records that
    shared a block with a touched one, before or after, start it too: the change may have made that block (or name)
    big enough, or small enough, to count.
    """
    ids = as_json(sorted(touched))
    before = {b for (b,) in conn.execute(f"SELECT block FROM resolve_blocks WHERE entity_id {IN_JSON}", (ids,))}
    fresh = [(b, r.id) for r in load(conn, touched).values() for b in sorted(blocks_of(r))]
    conn.execute(f"DELETE FROM resolve_blocks WHERE entity_id {IN_JSON}", (ids,))
    conn.executemany("INSERT INTO resolve_blocks (block, entity_id) VALUES (?, ?)", fresh)
    after = {b for b, _ in fresh}
    near = [b for b, n in _block_sizes(conn, before | after).items() if n <= BLOCK_LIMIT + len(touched)]
    (listed,) = conn.execute("SELECT count(DISTINCT entity_id) FROM listings").fetchone()
    part = set(touched) | {e for (e,) in conn.execute(f"SELECT entity_id FROM resolve_blocks WHERE block {IN_JSON}", (as_json(near),))}
    frontier = set(part)
    while frontier:
        if len(part) * 3 > listed:
            return None
        ids = as_json(sorted(frontier))
        found = {
            e
            for (e,) in conn.execute(
                f"SELECT group_id FROM resolution WHERE entity_id {IN_JSON} UNION SELECT entity_id FROM resolution WHERE group_id {IN_JSON}"
                f" UNION SELECT b_id FROM resolve_candidates WHERE a_id {IN_JSON} UNION SELECT a_id FROM resolve_candidates WHERE b_id {IN_JSON}",
                (ids, ids, ids, ids),
            )
        }
        keys = [k for (k,) in conn.execute(f"SELECT key FROM entities WHERE id {IN_JSON}", (ids,))]
        if keys:
            k = as_json(keys)
            found |= {
                e
                for (e,) in conn.execute(
                    "SELECT e.id FROM user_resolve_decisions d JOIN entities e ON e.key IN (d.key_a, d.key_b)"
                    f" WHERE d.decision = ? AND (d.key_a {IN_JSON} OR d.key_b {IN_JSON})",
                    (SAME, k, k),
                )
            }
        blocks = {b for (b,) in conn.execute(f"SELECT block FROM resolve_blocks WHERE entity_id {IN_JSON}", (ids,))}
        small = [b for b, n in _block_sizes(conn, blocks).items() if n <= BLOCK_LIMIT]
        found |= {e for (e,) in conn.execute(f"SELECT entity_id FROM resolve_blocks WHERE block {IN_JSON}", (as_json(small),))}
        frontier = found - part
        part |= frontier
    return part


def describe(counts: dict[str, int]) -> str:
    """One line for an import report."""
    return f"resolution: {counts['merged']} records merged into others, {counts['candidates']} candidates to review"


def _splits(groups: _Groups, a: int, b: int, apart: list[tuple[int, ...]]) -> bool:
    """True if joining a's and b's groups would put together two records the user said are different.

    Looks at the user's "different" pairs only (a few), not at the groups' members: a regroup stays linear in the records.
    """
    ra, rb = groups.find(a), groups.find(b)
    if ra == rb:
        return False
    return any({groups.find(x), groups.find(y)} == {ra, rb} for x, y in apart)


# -- read side ---------------------------------------------------------------------------------


def group_of(conn: sqlite3.Connection, entity_id: int) -> int:
    """The group an entity belongs to (its own id when it was not merged)."""
    row = conn.execute("SELECT group_id FROM resolution WHERE entity_id = ?", (entity_id,)).fetchone()
    return row[0] if row else entity_id


def members(conn: sqlite3.Connection, group_id: int) -> list[int]:
    """The records of a group, the group's own record first."""
    return [group_id] + [i for (i,) in conn.execute("SELECT entity_id FROM resolution WHERE group_id = ? ORDER BY entity_id", (group_id,))]


def groups_map(conn: sqlite3.Connection) -> dict[int, int]:
    """Every merged record → its group."""
    return dict(conn.execute("SELECT entity_id, group_id FROM resolution"))


def candidates(db: sqlite_utils.Database, entity_id: int | None = None) -> list[Candidate]:
    """Open "possibly the same as" candidates (of one entity's group, or all), strongest first."""
    sql = (
        "SELECT c.id, c.a_id, ea.key AS a_key, ea.name AS a_name, ea.countries AS a_countries,"
        " (SELECT group_concat(list, ' ') FROM listings WHERE entity_id = c.a_id) AS a_lists,"
        " c.b_id, eb.key AS b_key, eb.name AS b_name, eb.countries AS b_countries,"
        " (SELECT group_concat(list, ' ') FROM listings WHERE entity_id = c.b_id) AS b_lists,"
        " c.score, c.reason FROM resolve_candidates c JOIN entities ea ON ea.id = c.a_id"
        " JOIN entities eb ON eb.id = c.b_id"
    )
    if entity_id is None:
        found = rows(db.conn, sql + " ORDER BY c.score DESC, ea.name")
    else:
        ids = members(db.conn, group_of(db.conn, entity_id))
        marks = ",".join("?" * len(ids))
        found = rows(db.conn, sql + f" WHERE c.a_id IN ({marks}) OR c.b_id IN ({marks}) ORDER BY c.score DESC", (*ids, *ids))
    return [of_row(Candidate, c) for c in found]


def decide(db: sqlite_utils.Database, key_a: str, key_b: str, decision: str, note: str | None = None) -> dict[str, int]:
    """Record that two records are the same or different, then regroup; return the new counts."""
    if decision not in (SAME, DIFFERENT):
        raise ValueError(f"decision must be {SAME!r} or {DIFFERENT!r}")
    if key_a == key_b:
        raise ValueError(f"{key_a}: a record is always the same as itself; name two different records")
    return _record(db.conn, [(key_a, key_b)], decision, note)


def split(db: sqlite_utils.Database, entity_id: int) -> dict[str, int]:
    """Undo a merge: take one record out of its group (recorded as "different" from every other member)."""
    conn = db.conn
    ids = members(conn, group_of(conn, entity_id))
    keys = dict(conn.execute(f"SELECT id, key FROM entities WHERE id IN ({','.join('?' * len(ids))})", ids))
    return _record(conn, [(keys[entity_id], keys[other]) for other in ids if other != entity_id], DIFFERENT)


def _record(conn: sqlite3.Connection, pairs_of_keys: list[tuple[str, str]], decision: str, note: str | None = None) -> dict[str, int]:
    """Append the user's decision on each pair of entity keys (earlier decisions stay as history) and regroup, in one
    transaction: the records decided on and their neighbourhoods only."""
    with transaction(conn):
        conn.executemany(
            "INSERT INTO user_resolve_events (key_a, key_b, decision, note, decided_at, user) VALUES (?,?,?,?,?,?)",
            [(*sorted(pair), decision, note, now(), user()) for pair in pairs_of_keys],
        )
        keys = sorted({k for pair in pairs_of_keys for k in pair})
        touched = [e for (e,) in conn.execute(f"SELECT id FROM entities WHERE key {IN_JSON}", (as_json(keys),))]
        return regroup(conn, touched)
