"""What every importer produces: list records, rejected rows, the import report."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(slots=True)
class Reject:
    """A row that could not be imported, with where and why."""

    line: int | None
    field: str | None
    error: str
    raw: str = ""

    def describe(self, file: str) -> str:
        """One line naming file, line and field."""
        where = f"{file}:{self.line}" if self.line else file
        return f"{where}: {self.field + ': ' if self.field else ''}{self.error}"


@dataclass(frozen=True, slots=True)
class Relation:
    """A link stated by a source, from the record that carries it: "owner of" X, with X's key when the source gives it."""

    kind: str  # "owner of", "director of", "family of", "linked to", …
    target: str  # the other party's name, as the source writes it
    target_key: str = ""  # the other party's key in the store, when the source names it by id
    role: str = ""  # what the source says of the link: a share, a role, a family relationship


# The collections of a record, named here: inside ListRecord the field ``list`` (the list code, as the store's column) hides the builtin.
Aliases = list[tuple[str, str]]  # (name, kind)
Addresses = list[tuple[str, str | None]]  # (address, ISO-2)
Identifiers = list[tuple[str, str, str | None]]  # (kind, value, country)
Facts = list[tuple[str, str]]  # (kind, value)
Texts = list[str]
Relations = list[Relation]


@dataclass(slots=True)
class ListRecord:
    """One row of a sanctions or export-control list, in the store's terms."""

    line: int
    list: str
    name: str
    kind: str = "other"
    key: str | None = None  # the source's own stable id ("ofac:38641"), else derived
    aliases: Aliases = field(default_factory=Aliases)
    addresses: Addresses = field(default_factory=Addresses)
    identifiers: Identifiers = field(default_factory=Identifiers)
    countries: set[str] = field(default_factory=set)
    programs: str = ""
    citation: str = ""
    start_date: str = ""
    end_date: str = ""
    license_requirement: str = ""
    license_policy: str = ""
    source_url: str = ""
    remarks: str = ""
    linked_to: Texts = field(default_factory=Texts)
    link_keys: dict[str, str] = field(default_factory=dict)  # linked_to detail → the target's key, when the source says
    relations: Relations = field(default_factory=Relations)  # typed links (FollowTheMoney Ownership, Family, …)
    facts: Facts = field(default_factory=Facts)  # (kind, value): birth_date, birth_place, nationality, citizenship, gender, position
    origin: str = ""  # what names, addresses, identifiers and relations are filed under ("" = the list; a FollowTheMoney source's name)
    context: bool = False  # known from the source, not listed by it (a company register, a PEP list): no listing
    has_addresses: bool = True  # False where the format carries none (legacy sdn.csv)
    partial: bool = False  # names and ids are a subset (legacy sdn.csv): add, never remove
    removed: bool = False  # the source says the listing was removed (FollowTheMoney Sanction status), and when
    removed_date: str = ""

    def all_countries(self) -> set[str]:
        """Countries from addresses plus those stated elsewhere in the row."""
        return {c for _, c in self.addresses if c} | self.countries

    @property
    def filed_under(self) -> str:
        """The origin its names, addresses, identifiers, facts and relations are filed under: its source, else its list."""
        return self.origin or self.list

    def listed(self, code: str, **fields: Any) -> ListRecord:
        """This party's record on list ``code`` (a copy: its own lists and sets), with the listing's ``fields``."""
        copied = {f: type(getattr(self, f))(getattr(self, f)) for f in _COLLECTIONS}
        return replace(self, list=code, context=False, **copied, **fields)


_COLLECTIONS = ("aliases", "addresses", "identifiers", "countries", "linked_to", "link_keys", "relations", "facts")


@dataclass(slots=True)
class ListBatch:
    """What a list file holds, ready to write: its records (grouped: one per record and list) and what is known of it."""

    records: Iterable[ListRecord | Reject]
    lists: list[str] | None = None  # the list codes it carries (None: known only once written)
    as_of: str | None = None  # the date the file itself gives, if any
    scope: str = ""  # the key prefix of its source's records ("ftm:us_ofac_sdn:"); "" for the lists' own files
    whole: bool | None = None  # the file says it is the whole of its source (an OpenSanctions dataset export)
    source: str = ""  # the source's name as the file gives it
    size: int = 0  # how many records are coming, when known (for progress)
    close: Callable[[], None] = lambda: None  # frees what reading holds (a spill file's connection), however the import ends

    @property
    def coming(self) -> int:
        """How many records are coming: ``size``, or the records of a file read whole (0 when not known)."""
        return self.size or (len(self.records) if isinstance(self.records, list) else 0)


@dataclass(slots=True)
class ImportReport:
    """What an import did, as shown to the user and kept in ``imports``."""

    file: str
    format: str
    import_id: int | None = None
    rows_read: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    rejects: list[Reject] = field(default_factory=list)
    skipped: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the terminal."""
        if self.skipped:
            return f"{self.file}: already imported (import #{self.import_id}); nothing changed"
        text = (
            f"{self.file} ({self.format}): {self.rows_read} rows, {self.added} added, "
            f"{self.updated} changed, {self.removed} removed, {len(self.rejects)} rejected"
        )
        return "; ".join([text, *self.notes])

    def as_dict(self) -> dict:
        """The JSON shape of an import report."""
        return {
            "file": self.file,
            "format": self.format,
            "import_id": self.import_id,
            "skipped": self.skipped,
            "rows": self.rows_read,
            "added": self.added,
            "changed": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "rejected": [r.describe(self.file) for r in self.rejects],
            "notes": self.notes,
        }
