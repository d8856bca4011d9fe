"""docs/architecture.md stays true: it names every module, and the layers import only downwards."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def _modules() -> list[Path]:
    return sorted(p.relative_to(ROOT) for folder in ("store", "tui") for p in (ROOT / folder).rglob("*.py"))


def test_the_architecture_page_names_every_module():
    missing = []
    for path in _modules():
        if path.name == "__init__.py" and path.parent.name in ("store", "tui", "screens"):
            continue  # packages; their contents are named
        short = str(path.relative_to(path.parts[0]))  # "importers/ftm.py", "screens/entity.py", "models.py"
        if str(path) not in DOC and short not in DOC:
            missing.append(str(path))
    assert not missing, f"docs/architecture.md does not name: {', '.join(missing)}"


def test_the_store_never_imports_the_explorer_and_no_import_hides_in_a_function():
    for path in _modules():
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and path.parts[0] == "store":
                assert "tui" not in (node.module or "").split("."), f"{path} imports {node.module}"
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and (inner.level or (inner.module or "").startswith("watchlist")):
                        allowed = path.name == "cli.py" and inner.module == "app"  # Textual loads only for the explorer
                        assert allowed, f"{path}:{inner.lineno}: imports {inner.module} inside {node.name}()"
