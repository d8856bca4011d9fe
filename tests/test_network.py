"""The network view: an entity's neighbourhood through stated relations, shared addresses and FtM links; CLI and app."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner
from textual.widgets import Static, Tree

from watchlist.store import connect, importers, queries
from watchlist.store.network import neighbourhood
from watchlist.tui.app import WatchlistApp
from watchlist.tui.cli import main
from watchlist.tui.screens.entity import EntityScreen
from watchlist.tui.screens.network import NetworkScreen

from .pilot import settle
from .test_app import SIZE, type_and_open

FTM = Path(__file__).parent / "data" / "opensanctions" / "entities.ftm.json"


def _id(db, key: str) -> int:
    found = queries.entity_id_for(db, key)
    assert found is not None, key
    return found


def test_sinno_reaches_radioavtomatika_and_its_ties_each_once(seed_db):
    """Sinno (EL and SDN) is linked to Radioavtomatika, which SDN links to a dozen more: two hops out, each entity once."""
    one = neighbourhood(seed_db, _id(seed_db, "ofac:38641"), hops=1)
    assert one is not None and one.name.startswith("Sinno Electronics") and {"EL", "SDN"} <= set(one.lists)
    assert [(t.kind, t.name, t.hops) for t in one.ties] == [("linked to", "RADIOAVTOMATIKA LLC", 1)]
    two = neighbourhood(seed_db, _id(seed_db, "ofac:38641"), hops=2)
    assert two is not None
    hub = one.ties[0].entity_id
    second = two.children(hub)
    assert len(second) >= 5 and all(t.hops == 2 and t.via == hub for t in second)
    reached = [t.entity_id for t in two.ties if t.entity_id is not None]
    assert len(reached) == len(set(reached)) and two.centre not in reached
    assert all(t.lists for t in second if t.entity_id is not None)  # every entity reached shows its lists
    # from any record of the entity, the same network (the entity is its resolved group)
    el_record = seed_db.conn.execute("SELECT id FROM entities WHERE key LIKE 'el:sinno elec%'").fetchone()[0]
    again = neighbourhood(seed_db, el_record, hops=2)
    assert again is not None and again.centre == two.centre and again.ties == two.ties


def test_shared_street_addresses_tie_firms_and_a_big_hub_is_cut(seed_db):
    """Three Entity List firms at one Yau Tong address: ties derived from the address, with the address as the detail."""
    found = neighbourhood(seed_db, _id(seed_db, "el:32 group china ltd:HK"), hops=1)
    assert found is not None
    shared = [t for t in found.ties if t.kind == "same address as"]
    assert {t.name for t in shared} >= {"Sky Rise Technology Ltd.", "TiMi Technologies Co., Ltd."}
    assert all("Yau Tong" in (t.detail or "") or "Wing Lok" in (t.detail or "") for t in shared)
    stated = neighbourhood(seed_db, _id(seed_db, "el:32 group china ltd:HK"), hops=2, shared=False)
    assert stated is not None and not stated.shared and not any(t.kind.startswith("same ") for t in stated.ties)
    cut = neighbourhood(seed_db, _id(seed_db, "ofac:38641"), hops=3, limit=3)
    assert cut is not None and cut.truncated and len(cut.ties) == 3


def test_followthemoney_relations_are_ties_both_ways(empty_db):
    """Ownership, family and directorship from an OpenSanctions file; seen from the owned side as 'owned by'."""
    importers.import_file(empty_db, FTM)
    group = neighbourhood(empty_db, _id(empty_db, "ftm:opensanctions:china-poly-group"), hops=1)
    assert group is not None and ("owner of", "Poly Technologies Inc.") in {(t.kind, t.name) for t in group.ties}
    owned = next(t for t in group.ties if t.name == "Poly Technologies Inc.")
    assert owned.entity_id is not None
    back = neighbourhood(empty_db, owned.entity_id, hops=1)
    assert back is not None and any(t.kind == "owned by" and t.entity_id == group.centre for t in back.ties)


def test_the_cli_prints_a_tree_and_exports_edges(seed_db_path: Path, tmp_path: Path):
    runner = CliRunner()
    text = runner.invoke(main, ["--db", str(seed_db_path), "network", "ofac:38641"])
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0].startswith("Sinno Electronics") and "[EL SDN]" in lines[0]
    assert lines[1].startswith("└─ linked to → RADIOAVTOMATIKA LLC") and any(line.startswith("   ├─ ") for line in lines)
    as_json = runner.invoke(main, ["--db", str(seed_db_path), "network", "ofac:38641", "--format", "json"])
    body = json.loads(as_json.output)
    assert body["hops"] == 2 and body["ties"][0]["from_name"].startswith("Sinno") and body["ties"][0]["name"] == "RADIOAVTOMATIKA LLC"
    out = tmp_path / "net.csv"
    written = runner.invoke(main, ["--db", str(seed_db_path), "network", "ofac:38641", "--hops", "3", "--format", "csv", "-o", str(out)])
    assert written.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) > len(body["ties"]) and max(int(r["hops"]) for r in rows) == 3  # a third hop reaches more
    missing = runner.invoke(main, ["--db", str(seed_db_path), "network", "no:such"])
    assert missing.exit_code == 1 and missing.output.strip().splitlines() == ["watchlist: no entity 'no:such'"]
    too_far = runner.invoke(main, ["--db", str(seed_db_path), "network", "ofac:38641", "--hops", "9"])
    assert too_far.exit_code == 2
    hub = runner.invoke(main, ["--db", str(seed_db_path), "network", "el:32 group china ltd:HK", "--format", "md"])
    assert "same address as → Sky Rise Technology Ltd." in hub.output
    stated = runner.invoke(main, ["--db", str(seed_db_path), "network", "el:32 group china ltd:HK", "--format", "md", "--stated-only"])
    assert stated.exit_code == 0 and "only the relations the lists state" in stated.output and "same address as" not in stated.output


def test_g_opens_the_network_enter_recentres_esc_goes_back_and_e_exports(seed_db_path: Path, tmp_path: Path):
    async def scenario():
        app = WatchlistApp(seed_db_path, export_dir=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await type_and_open(app, pilot, "sinno electronics co", "Sinno Electronics Co")
            await pilot.press("G")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, NetworkScreen)
            tree = screen.query_one("#net-tree", Tree)
            assert str(tree.root.label).startswith("Sinno Electronics")
            assert [str(c.label).split("  ")[0] for c in tree.root.children] == ["linked to → RADIOAVTOMATIKA LLC"]
            assert len(tree.root.children[0].children) >= 5  # the second hop, shown under the first
            assert "9 ties, 2 hops out" in str(screen.query_one("#net-title", Static).render())
            await pilot.press("down", "enter")  # re-centre on Radioavtomatika
            await settle(app, pilot)
            assert str(tree.root.label).startswith("RADIOAVTOMATIKA") and len(screen.trail) == 2
            assert "back: Sinno Electronics" in str(screen.query_one("#net-title", Static).render())
            await pilot.press("e")
            await settle(app, pilot)
            await pilot.press("m")
            await settle(app, pilot)
            exported = list(tmp_path.glob("network-*.md"))
            assert len(exported) == 1 and "└─" in exported[0].read_text(encoding="utf-8")
            await pilot.press("escape")  # back to Sinno at the centre
            await settle(app, pilot)
            assert str(tree.root.label).startswith("Sinno Electronics") and len(screen.trail) == 1
            await pilot.press("down", "o")  # the dossier of the entity under the cursor
            await settle(app, pilot)
            assert isinstance(app.screen, EntityScreen) and app.screen.record is not None
            assert app.screen.record.name == "RADIOAVTOMATIKA LLC"
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.screen is screen
            await pilot.press("escape")
            await settle(app, pilot)
            assert isinstance(app.screen, EntityScreen)

    asyncio.run(scenario())


def test_t_follows_only_the_stated_relations_and_again_all_ties(seed_db_path: Path):
    async def scenario():
        app = WatchlistApp(seed_db_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await type_and_open(app, pilot, "32 group china", "32 Group")
            await pilot.press("G")
            await settle(app, pilot)
            tree = app.screen.query_one("#net-tree", Tree)
            kinds = {str(c.label).split(" → ")[0] for c in tree.root.children}
            assert "same address as" in kinds
            await pilot.press("t")
            await settle(app, pilot)
            title = str(app.screen.query_one("#net-title", Static).render())
            assert not tree.root.children  # its ties are all derived from the shared address
            assert "no ties: no relation stated by its lists (t: shared ones too)" in title
            await pilot.press("t")
            await settle(app, pilot)
            assert {str(c.label).split(" → ")[0] for c in tree.root.children} == kinds

    asyncio.run(scenario())


def test_hostile_names_show_literally_in_the_tree(seed_db_copy: Path):
    """A related name holding markup and an escape code is drawn as written, never interpreted."""
    db = connect(seed_db_copy)
    hub = _id(db, "ofac:38641")
    other = db.conn.execute("SELECT entity_id FROM names WHERE name = 'RADIOAVTOMATIKA LLC' LIMIT 1").fetchone()[0]
    with db.conn:
        db.conn.execute("UPDATE entities SET name = ? WHERE id = ?", ("[bold]RADIO[/bold] \x1b[31mRED [link=http://x]", other))
    db.conn.close()

    async def scenario():
        app = WatchlistApp(seed_db_copy)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.pause()
            app.action_network()  # from the search screen: nothing highlighted yet
            app.push_screen(NetworkScreen(hub))
            await settle(app, pilot)
            label = str(app.screen.query_one("#net-tree", Tree).root.children[0].label)
            assert "[bold]RADIO[/bold]" in label and "[link=http://x]" in label and "\x1b" not in label

    asyncio.run(scenario())
