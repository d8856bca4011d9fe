"""Small modal screens: the note editor, the tags and alias editors, the export format choice, and help."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static, TextArea

from watchlist.store.models import Note

from ..actions import bindings
from ..keys import FILTER_HELP, key_rows
from ..safe import safe


class NoteScreen(ModalScreen[str | None]):
    """Edit a multi-line note; ctrl+s saves, Esc cancels."""

    BINDINGS = bindings("Note editor")

    def __init__(self, name: str, note: str, others: list[Note] | None = None) -> None:
        super().__init__()
        self.entity_name = name
        self.note = note
        self.others = others or []  # notes on the entity's other records: shown, not edited here

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Note on ") + safe(self.entity_name, "bold") + Text("   ctrl+s save · Esc cancel", "dim"))
            for other in self.others:
                yield Static(
                    Text("Also noted on record ", "dim") + safe(other.key, "dim") + Text(": ", "dim") + safe(other.note.splitlines()[0][:200]),
                    classes="other-note",
                )
            yield TextArea(self.note, id="note-text")

    def on_mount(self) -> None:
        self.query_one("#note-text", TextArea).focus()

    def action_save(self) -> None:
        self.dismiss(self.query_one("#note-text", TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TagsScreen(ModalScreen[str | None]):
    """Edit the tags of a starred entity (comma separated); Enter saves and stars, Esc cancels."""

    BINDINGS = bindings("Tags")

    def __init__(self, name: str, tags: str) -> None:
        super().__init__()
        self.entity_name = name
        self.tags = tags

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog small"):
            yield Static(Text("Tags for ") + safe(self.entity_name, "bold") + Text("\ncomma separated · Enter save · Esc cancel", "dim"))
            yield Input(self.tags, placeholder="e.g. chips, hk-network, follow-up", id="tags-text")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(", ".join(t.strip() for t in event.value.split(",") if t.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)


class AliasScreen(ModalScreen[str | None]):
    """Give an entity another name; Enter adds it ("-name" takes back one you gave), Esc cancels."""

    BINDINGS = bindings("Alias")

    def __init__(self, name: str, yours: list[str]) -> None:
        super().__init__()
        self.entity_name = name
        self.yours = yours

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog small"):
            text = Text("Another name for ") + safe(self.entity_name, "bold")
            if self.yours:
                text += Text("\nyours so far: ", "dim") + safe(" · ".join(self.yours))
            yield Static(text + Text("\nEnter add · -name takes one back · Esc cancel", "dim"))
            yield Input(placeholder="e.g. the name on your invoice, or in Chinese or Russian", id="alias-text")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ExportScreen(ModalScreen[str | None]):
    """Choose a format: c CSV, j JSON, m Markdown."""

    BINDINGS = bindings("Export")

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog small"):
            yield Static(Text("Export ") + safe(self.what, "bold") + Text("\n\n  c  CSV\n  j  JSON\n  m  Markdown (with sources)\n\n  Esc cancel"))

    def action_pick(self, fmt: str) -> None:
        self.dismiss(fmt or None)


class HelpScreen(ModalScreen[None]):
    """Every key of every screen, and the search syntax."""

    BINDINGS = bindings("Help")

    def compose(self) -> ComposeResult:
        table = Table(title="Keys", expand=True, show_lines=False)
        table.add_column("Where", style="bold")
        table.add_column("Keys", style="bold cyan")
        table.add_column("Does")
        for where, keys, does in key_rows():
            table.add_row(where, keys, does)
        with VerticalScroll(classes="dialog wide"):
            yield Static(table)
            yield Static(Text(FILTER_HELP))

    def action_close(self) -> None:
        self.dismiss(None)
