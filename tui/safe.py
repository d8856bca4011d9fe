"""The one sanitiser for untrusted text: data never reaches the terminal as markup or control codes."""

from __future__ import annotations

import json
import re

from rich.style import Style
from rich.text import Text

# C0/C1 controls (ESC, BEL, CSI…), zero-width and bidi controls, and lone surrogates (undecodable file-name bytes)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(value: object) -> str:
    """The value as a string with control, bidi and zero-width characters made visible (``\\x1b``)."""
    return _CONTROL.sub(_visible, "" if value is None else str(value))


def safe_json(data: object, indent: int | None = None) -> str:
    """JSON, exact, with control, bidi and zero-width characters written as ``\\uXXXX`` escapes (same value, safe on a terminal)."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group(0)):04x}", json.dumps(data, ensure_ascii=False, indent=indent))


def safe(value: object, style: str | Style = "") -> Text:
    """A Rich ``Text`` (never parsed as markup) of the sanitised value."""
    return Text(safe_text(value), style=style)
