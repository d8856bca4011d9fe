"""Every key of the app in one registry: each screen's bindings, the command palette, the help screen and the README table.

A screen takes its bindings with ``bindings("Entity")``; the palette lists the entries with a ``palette`` title;
:mod:`tui.keys` writes the help table and the README's from the same entries, so none of them can drift.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType

# Sections of the entity screen, in tab order (keys 1 … 0 jump to the first ten; [ ] step through all).
SECTIONS = (
    ("overview", "Overview"),
    ("listings", "Listings"),
    ("history", "History"),
    ("aliases", "Aliases"),
    ("addresses", "Addresses"),
    ("identifiers", "Identifiers"),
    ("goods", "Goods"),
    ("trade", "Trade"),
    ("relations", "Relations"),
    ("records", "Records"),
    ("sources", "Sources"),
    ("notes", "Notes"),
)
FACET_KEYS = "123456789"  # facets under the search box


@dataclass(frozen=True, slots=True)
class Action:
    """One key (or numbered set of keys) and what it does, where."""

    where: str  # the screen (or "Everywhere": the app)
    keys: str  # Textual key names, comma-separated ("escape,backspace"); "" for a palette-only action
    action: str  # the action run ("pane({i})" with ``numbered``); "" for a key a widget handles itself (Enter in a table)
    label: str  # short, for the footer
    help: str  # one line for the help screen, the README and the palette
    footer: bool = True  # shown in the footer
    palette: str = ""  # its title in the command palette (app-wide actions only)
    priority: bool = False
    numbered: tuple[str, ...] = ()  # one binding per key, ``{i}`` in ``action`` its index


_SECTION_HELP = ", ".join(title for _, title in SECTIONS[:10]) + f" ({', '.join(title for _, title in SECTIONS[10:])} with [ ])"

ACTIONS: tuple[Action, ...] = (
    # -- everywhere: the app's own -----------------------------------------------------------------
    Action("Everywhere", "ctrl+q", "quit", "Quit", "Quit", priority=True, palette="Quit"),
    Action("Everywhere", "q", "quit", "Quit", "Quit (outside the search box)", footer=False),
    Action("Everywhere", "ctrl+p", "", "Palette", "Command palette: every action, and go to any entity by name"),
    Action("Everywhere", "f1,question_mark", "help", "Help", "Every key and the search syntax (? outside the search box)", palette="Help"),
    Action("Everywhere", "g", "goods", "Goods", "Goods browser: HS tree with CHPL tiers, suppliers per code", palette="Goods browser"),
    Action("Everywhere", "W", "watchlist", "Watchlist", "Your watchlist: starred entities, notes, changes since starred", palette="Watchlist"),
    Action("Everywhere", "N", "changes", "What's new", "What changed between list snapshots: added, changed, removed", palette="What's new"),
    Action(
        "Everywhere",
        "R",
        "resolve",
        "Same entity?",
        "Review records on different lists that may be one entity: say same or different",
        footer=False,
        palette="Same entity? review",
    ),
    Action(
        "Everywhere",
        "S",
        "screenings",
        "Screening",
        "Screening runs: triage each row, export the audit record",
        footer=False,
        palette="Screening runs",
    ),
    Action("Everywhere", "L", "links", "Links", "Review links from shipment parties to entities", footer=False, palette="Review links"),
    Action("Everywhere", "w", "star", "Star", "Star or unstar the current entity", palette="Star or unstar"),
    Action("Everywhere", "n", "note", "Note", "Write a multi-line note on the current entity", palette="Edit note"),
    Action("Everywhere", "t", "tags", "Tags", "Tag the current entity (stars it too)", footer=False, palette="Edit tags"),
    Action(
        "Everywhere",
        "a",
        "alias",
        "Alias",
        "Give the current entity another name (as your invoices write it): search and screening find it by it",
        footer=False,
        palette="Add an alias",
    ),
    Action(
        "Everywhere",
        "G",
        "network",
        "Network",
        "The current entity's network: who it is tied to, two hops out (stated relations, shared addresses and contacts)",
        footer=False,
        palette="Network of the entity",
    ),
    Action("Everywhere", "c", "copy_name", "Copy name", "Copy the current entity's name", footer=False, palette="Copy name"),
    Action(
        "Everywhere",
        "y",
        "copy_summary",
        "Copy summary",
        "Copy a one-paragraph summary with listings and sources",
        footer=False,
        palette="Copy summary",
    ),
    Action("Everywhere", "e", "export", "Export", "Export the results or the entity dossier (CSV, JSON, Markdown)", palette="Export"),
    # -- search -----------------------------------------------------------------------------------
    Action("Everywhere", "", "search", "Search", "Back to the search screen and its box", palette="Search"),
    Action("Search", "slash", "focus_search", "Search", "Back to the search box"),
    Action("Search", "escape", "focus_search", "Search", "Back to the search box", footer=False),
    Action("Search", "down,enter", "", "Results", "From the box into the results; Enter on a row opens the entity", footer=False),
    Action(
        "Search",
        "",
        "toggle_facet({i})",
        "Facet",
        "Narrow to the numbered facet (click works too)",
        footer=False,
        numbered=tuple(FACET_KEYS),
    ),
    Action("Search", "0", "clear_facets", "Clear facets", "Clear the facets chosen", footer=False),
    Action("Search", "p", "toggle_preview", "Preview", "Show or hide the preview pane (below 120 columns it starts hidden)"),
    Action("Search", "j", "cursor_down", "Down", "Next result (the preview follows)", footer=False),
    Action("Search", "k", "cursor_up", "Up", "Previous result", footer=False),
    # -- entity -----------------------------------------------------------------------------------
    Action("Entity", "escape,backspace", "back", "Back", "Back along the trail (to the screen you came from at its start)"),
    Action("Entity", "right_square_bracket", "next_pane", "Next section", "Next section"),
    Action("Entity", "left_square_bracket", "previous_pane", "Prev section", "Previous section", footer=False),
    Action(
        "Entity",
        "",
        "pane({i})",
        "Section",
        f"Jump to section: {_SECTION_HELP}",
        footer=False,
        numbered=("1", "2", "3", "4", "5", "6", "7", "8", "9", "0"),
    ),
    Action("Entity", "enter", "", "Open", "On an address, relation, goods or Records row: go to that entity or HS code", footer=False),
    Action("Entity", "m", "same", "Same entity", "Records section: merge the 'possibly the same' entity under the cursor into this one", footer=False),
    Action(
        "Entity",
        "x",
        "not_same",
        "Not the same",
        "Records section: keep the candidate apart, or take the record under the cursor out of this entity",
        footer=False,
    ),
    Action("Entity", "j", "cursor_down", "Down", "Next row", footer=False),
    Action("Entity", "k", "cursor_up", "Up", "Previous row", footer=False),
    # -- goods ------------------------------------------------------------------------------------
    Action("Goods", "escape,backspace", "back", "Back", "Back"),
    Action("Goods", "tab", "focus_next", "Switch pane", "Next pane", footer=False),
    Action("Goods", "s", "focus_suppliers", "Suppliers", "Move to the suppliers of the code"),
    Action("Goods", "slash", "focus_goto", "Go to code", "Jump to an HS code (8542.31, 2818…); on the tree, typing its digits does the same"),
    Action("Goods", "enter", "", "Open", "Expand a code; on a supplier: open it", footer=False),
    # -- network ----------------------------------------------------------------------------------
    Action("Network", "escape,backspace", "back", "Back", "Back to the previous centre (to the screen you came from at the first)"),
    Action("Network", "enter", "", "Re-centre", "Make the entity under the cursor the centre", footer=False),
    Action("Network", "o", "open", "Open", "Open the dossier of the entity under the cursor"),
    Action("Network", "plus", "more_hops", "Hops", "Ties three hops out (again: two)"),
    Action("Network", "t", "stated_only", "Stated only", "Only the relations the lists state, without shared addresses and contacts (again: all ties)"),
    # -- watchlist, what's new, reviews -------------------------------------------------------------
    Action("Watchlist", "escape,backspace", "back", "Back", "Back"),
    Action("Watchlist", "enter", "", "Open", "Open the entity", footer=False),
    Action("What's new", "escape,backspace", "back", "Back", "Back"),
    Action("What's new", "slash", "focus_filter", "Filter", "Filter: list:EL change:added country:CN,HK since: until: a date, words"),
    Action("What's new", "enter", "", "Open", "Open the entity of the change under the cursor", footer=False),
    Action("Same entity?", "escape,backspace", "back", "Back", "Back"),
    Action("Same entity?", "y", "decide('same')", "Same", "The two records are one entity: merge them (kept across re-imports)"),
    Action("Same entity?", "n", "decide('different')", "Different", "The two records are different entities (kept across re-imports)"),
    Action("Screening runs", "escape,backspace", "back", "Back", "Back"),
    Action("Screening runs", "enter", "", "Triage", "Triage the run under the cursor", footer=False),
    Action("Screening run", "escape,backspace", "back", "Back", "Back"),
    Action("Screening run", "m", "decide('match')", "Match", "Screening: the counterparty is the listed entity"),
    Action("Screening run", "x", "decide('no match')", "No match", "Screening: the counterparty is not the listed entity"),
    Action("Screening run", "v", "decide('review')", "Review", "Screening: needs review by someone else"),
    Action("Screening run", "o", "note", "Note", "Screening: write a note on the row's decision"),
    Action("Links", "escape,backspace", "back", "Back", "Back"),
    Action("Links", "y", "decide('confirmed')", "Confirm", "Confirm the link: its shipments count for the entity"),
    Action("Links", "n", "decide('rejected')", "Reject", "Reject the link"),
    # -- dialogs ----------------------------------------------------------------------------------
    Action("Note editor", "ctrl+s", "save", "Save note", "Save note"),
    Action("Note editor", "escape", "cancel", "Cancel", "Cancel"),
    Action("Tags", "enter", "", "Save", "Save the tags (and star the entity)", footer=False),
    Action("Tags", "escape", "cancel", "Cancel", "Cancel"),
    Action("Alias", "enter", "", "Save", "Add the name (-name takes back one you gave)", footer=False),
    Action("Alias", "escape", "cancel", "Cancel", "Cancel"),
    Action("Export", "c", "pick('csv')", "CSV", "CSV"),
    Action("Export", "j", "pick('json')", "JSON", "JSON"),
    Action("Export", "m", "pick('md')", "Markdown", "Markdown"),
    Action("Export", "escape", "pick('')", "Cancel", "Cancel"),
    Action("Help", "escape,q,f1,question_mark", "close", "Close", "Close"),
)


def bindings(where: str) -> list[BindingType]:
    """The Textual bindings of one screen (``BINDINGS = bindings("Entity")``)."""
    out: list[BindingType] = []
    for a in ACTIONS:
        if a.where != where or not a.action or not (a.keys or a.numbered):
            continue
        if a.numbered:
            out += [Binding(k, a.action.format(i=i), f"{a.label} {k}", show=False, tooltip=a.help) for i, k in enumerate(a.numbered)]
        else:
            out.append(Binding(a.keys, a.action, a.label, show=a.footer, priority=a.priority, tooltip=a.help))
    return out


def palette() -> list[Action]:
    """The app-wide actions offered in the command palette, in registry order."""
    return [a for a in ACTIONS if a.palette]


_KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "escape": "Esc",
    "backspace": "Backspace",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "enter": "Enter",
    "tab": "Tab",
    "down": "↓",
    "up": "↑",
    "plus": "+",
}


def key_label(action: Action) -> str:
    """The keys as people read them: "Esc / Backspace", "1 … 9" ("palette" for a palette-only action)."""
    if not action.keys and not action.numbered:
        return "palette"
    if action.numbered:
        return f"{action.numbered[0]} … {action.numbered[-1]}"
    return " / ".join(_KEY_NAMES.get(k.strip(), k.strip()) for k in action.keys.split(","))
