"""What the real ``followthemoney`` library finds wrong in a FollowTheMoney JSON-lines file (used by tests/test_ftm_interop.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any


def problems(lines: Iterable[str]) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Every rule of the library's model an entity breaks, one line each; and the entities by id."""
    from followthemoney import model
    from followthemoney.dataset.util import dataset_name_check
    from followthemoney.exc import InvalidData
    from followthemoney.types import registry

    out: list[str] = []
    entities: dict[str, dict[str, Any]] = {}
    # (property, value) → the library's verdict (``Property.validate``: writable, and the value valid for its type), asked
    # once per distinct pair; ``Schema.validate`` is that verdict over an entity's values, so it runs once per shape
    # (schema and property names) rather than again for each of ~90,000 entities
    valid: dict[tuple[str, str], bool] = {}
    shapes: set[tuple[str, ...]] = set()
    datasets: dict[str, bool] = {}  # dataset name → the library's verdict
    for number, raw in enumerate(lines, 1):
        data = json.loads(raw)
        eid = data.get("id")
        where = f"line {number} ({eid})"
        if not isinstance(eid, str) or not registry.entity.validate(eid) or len(eid) > 200:
            out.append(f"{where}: illegal id")
        if eid in entities:
            out.append(f"{where}: id repeated")
        schema = model.get(data.get("schema", ""))
        if schema is None:
            out.append(f"{where}: unknown schema {data.get('schema')!r}")
            continue
        for name in data.get("datasets", []):
            if name not in datasets:
                try:
                    dataset_name_check(name)
                    datasets[name] = True
                except ValueError:
                    datasets[name] = False
            if not datasets[name]:
                out.append(f"{where}: invalid dataset name {name!r}")
        props = data.get("properties", {})
        for name, values in props.items():
            prop = schema.get(name)
            if prop is None:
                out.append(f"{where}: {schema.name} has no property {name!r}")
                continue
            for value in values:
                key = (prop.qname, value)
                if key not in valid:
                    valid[key] = prop.validate([value]) is None and prop.type.clean(value) is not None
                if not valid[key]:
                    out.append(f"{where}: {name} {value!r} is not a valid {prop.type.name}")
        for name in schema.required:
            if not props.get(name):
                out.append(f"{where}: required {name} missing")
        shape = (schema.name, *sorted(props))
        if shape not in shapes:
            shapes.add(shape)
            try:
                schema.validate(data)
            except InvalidData as exc:
                out.append(f"{where}: {exc}")
        entities[eid] = data
    for eid, data in entities.items():
        schema = model.get(data["schema"])
        for name, values in data.get("properties", {}).items():
            prop = schema.get(name)
            if prop is None or prop.type != registry.entity:
                continue
            for value in values:
                target = entities.get(value)
                if target is None:
                    out.append(f"{eid}: {name} points at {value!r}, not in the file")
                elif not model.get(target["schema"]).is_a(prop.range):
                    out.append(f"{eid}: {name} points at a {target['schema']}, the property takes a {prop.range.name}")
    return out, entities


if __name__ == "__main__":
    import sys
    from collections import Counter

    with open(sys.argv[1], encoding="utf-8") as f:
        found, ents = problems(f)
    print(len(ents), "entities,", len(found), "problems")
    print(Counter(p.split(": ", 1)[1][:60] for p in found).most_common(30))
    for p in found[:20]:
        print(p)
