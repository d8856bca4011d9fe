"""The read models: what crosses from the store to the screens, the CLI and the exports, typed and immutable.

A query builds these from rows (:func:`of_row` takes exactly a model's fields from a row, so a renamed column
fails at once), and :func:`jsonable` is the one place that turns them into the JSON the CLI prints.
Field names are the JSON keys of ``watchlist show --json``, ``changes --json`` and ``review --json``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


def of_row(cls: type[T], row: Mapping[str, Any], **extra: Any) -> T:
    """A model from a query row: each field from the column of its name (``extra`` overrides or adds)."""
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    return cls(**{n: extra[n] if n in extra else row[n] for n in names})


def jsonable(value: Any) -> Any:
    """Models (and lists, tuples, dicts of them) as plain JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, slots=True)
class Name:
    """A name or alias, with the list (or source) it is filed under."""

    name: str
    kind: str  # primary, aka, fka, weak, …
    list: str | None
    source: str | None


@dataclass(frozen=True, slots=True)
class Neighbour:
    """Another entity at the same street address."""

    entity_id: int
    name: str
    countries: str
    lists: str  # active list codes, space-separated


@dataclass(frozen=True, slots=True)
class Address:
    address: str
    country: str | None
    list: str | None
    source: str | None
    shared_with: int  # how many other records give this street address
    others: tuple[Neighbour, ...]  # the entities (groups) behind them


@dataclass(frozen=True, slots=True)
class Identifier:
    kind: str
    value: str
    country: str | None
    list: str | None


@dataclass(frozen=True, slots=True)
class Fact:
    """A stated fact of a person or firm: birth_date, birth_place, nationality, citizenship, gender, position."""

    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class Listing:
    """One list's entry for the entity, with its legal facts."""

    list: str
    programs: str | None
    citation: str | None
    start_date: str | None
    end_date: str | None
    license_requirement: str | None
    license_policy: str | None
    status: str  # active or removed
    removed_date: str | None
    source_url: str | None
    remarks: str | None
    source: str | None
    source_as_of: str | None
    record: str  # the key of the list record that carries it

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True, slots=True)
class Good:
    """A goods category the entity is documented to ship."""

    hs_code: str
    description: str | None
    chpl_tier: int | None
    goods: str | None
    evidence: str | None
    period: str | None
    source: str | None


@dataclass(frozen=True, slots=True)
class Related:
    """Another entity tied to this one: a stated relation (out, in) or a derived one (both: same address, phone, …)."""

    kind: str
    detail: str | None
    entity_id: int | None
    direction: str  # out, in, both
    entity_name: str | None
    lists: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Record:
    """One list record of a resolved entity, and why it belongs to the group."""

    id: int
    key: str
    name: str
    kind: str
    countries: tuple[str, ...]
    remarks: str | None
    reason: str
    lists: str | None  # "EL:active SDN:removed"


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    file: str | None
    url: str | None
    as_of: str | None
    license: str | None


@dataclass(frozen=True, slots=True)
class TradeFlow:
    """A trade figure (country to country, one HS code, one period)."""

    reporter: str
    partner: str
    flow: str
    hs_code: str
    product: str | None
    period: str
    value: float
    unit: str
    basis: str | None  # how the figure was reached (reported, mirror, estimate)
    note: str | None
    source: str | None


# The columns of a TradeFlow, from ``trade_flows t LEFT JOIN sources s``.
TRADE_COLUMNS = "t.reporter, t.partner, t.flow, t.hs_code, t.product, t.period, t.value, t.unit, t.basis, t.note, s.name AS source"


@dataclass(frozen=True, slots=True)
class Note:
    """The user's note on one record."""

    key: str
    note: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class Star:
    """The entity is on the user's watchlist."""

    starred_at: str
    tags: str


@dataclass(frozen=True, slots=True)
class Shipments:
    """An entity's shipments through its linked parties: totals, by HS code and by counterparty (query rows)."""

    count: int
    total_value: float
    by_hs: tuple[dict[str, Any], ...]
    by_counterparty: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class Change:
    """One entity's change on one list in one snapshot."""

    id: int
    list: str
    list_name: str
    change: str  # added, changed, removed, relisted
    fields: tuple[str, ...]  # the listing fields that changed
    detail: dict[str, Any]  # field → [before, after], or → {"added": […], "removed": […]} for names and addresses
    as_of: str | None
    file: str
    entity_id: int
    key: str
    name: str
    countries: tuple[str, ...]
    citation: str | None
    start_date: str | None
    listing_status: str | None
    baseline: bool  # the list's first snapshot in the store


@dataclass(frozen=True, slots=True)
class Candidate:
    """Two records that may be one entity, waiting for the user's decision."""

    id: int
    a_id: int
    a_key: str
    a_name: str
    a_countries: str
    a_lists: str | None
    b_id: int
    b_key: str
    b_name: str
    b_countries: str
    b_lists: str | None
    score: float
    reason: str

    def other(self, mine: set[int] | frozenset[int]) -> tuple[str, str, str | None]:
        """(key, name, lists) of the side that is not among the record ids ``mine``."""
        if self.a_id in mine:
            return self.b_key, self.b_name, self.b_lists
        return self.a_key, self.a_name, self.a_lists


@dataclass(frozen=True, slots=True)
class Entity:
    """Everything known about one resolved entity (a group of list records), each fact with its list and source."""

    id: int
    key: str
    kind: str
    name: str
    countries: tuple[str, ...]
    ownership: str | None
    remarks: str | None
    first_seen: str | None
    last_seen: str | None
    records: tuple[Record, ...]
    names: tuple[Name, ...]
    addresses: tuple[Address, ...]
    identifiers: tuple[Identifier, ...]
    facts: tuple[Fact, ...]
    listings: tuple[Listing, ...]
    goods: tuple[Good, ...]
    relations: tuple[Related, ...]
    changes: tuple[Change, ...]
    candidates: tuple[Candidate, ...]
    sources: tuple[Source, ...]
    trade: tuple[TradeFlow, ...]
    shipments: Shipments
    notes: tuple[Note, ...]
    watchlist: Star | None
    note: str | None  # the notes as one text

    @property
    def active_lists(self) -> list[str]:
        return [x.list for x in self.listings if x.active]

    @property
    def removed_lists(self) -> list[str]:
        return [x.list for x in self.listings if not x.active]

    @property
    def record_ids(self) -> frozenset[int]:
        return frozenset(r.id for r in self.records)


@dataclass(frozen=True, slots=True)
class ScreeningRun:
    """A screening run kept for triage: what was screened, against which snapshots, by whom."""

    id: int
    file: str
    started: str
    user: str
    threshold: float
    snapshot: dict[str, str]  # list code → the snapshot date screened against
    summary: dict[str, Any]  # rows, potential_matches, no_match, by_list, …
    rows: int
    decided: int


@dataclass(frozen=True, slots=True)
class ScreeningRow:
    """One screened line of a run, its best matches and the user's latest decision on it."""

    line: int
    name: str
    country: str | None
    status: str  # potential match, no match
    entity_key: str | None
    score: float | None
    lists: str | None
    matches: tuple[dict[str, Any], ...]  # best first: entity_id, name, score, lists, why
    decision: str | None
    note: str | None
    decided_at: str | None
    user: str | None

    @property
    def best(self) -> dict[str, Any]:
        return self.matches[0] if self.matches else {}


@dataclass(frozen=True, slots=True)
class Audit:
    """A run's audit record: the run and every row with its decision."""

    run: ScreeningRun
    rows: tuple[ScreeningRow, ...]


@dataclass(frozen=True, slots=True)
class Link:
    """A shipment party tied to an entity: linked (exact), proposed (fuzzy), confirmed or rejected by the user."""

    id: int
    party_key: str
    party_name: str
    entity_id: int
    entity_key: str
    entity_name: str
    method: str  # exact, fuzzy
    score: float
    status: str
    shipments: int
