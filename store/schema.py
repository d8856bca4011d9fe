"""The store's schema as forward migrations, one list entry per version.

``PRAGMA user_version`` holds the version. Opening a store applies every
migration above it; a store from a newer version is refused.
Tables under "user data" belong to the user and are never touched by imports.
"""

from __future__ import annotations


def _fts(table: str, columns: tuple[str, ...]) -> str:
    """Full-text search on ``table`` the way sqlite-utils ``enable_fts(create_triggers=True)`` sets it up (Datasette finds it)."""
    cols = ", ".join(f"[{c}]" for c in columns)
    new = ", ".join(f"new.[{c}]" for c in columns)
    old = ", ".join(f"old.[{c}]" for c in columns)
    return f"""
    CREATE VIRTUAL TABLE [{table}_fts] USING FTS5 ({cols}, content=[{table}]);
    INSERT INTO [{table}_fts] (rowid, {cols}) SELECT rowid, {cols} FROM [{table}];
    CREATE TRIGGER [{table}_ai] AFTER INSERT ON [{table}] BEGIN
        INSERT INTO [{table}_fts] (rowid, {cols}) VALUES (new.rowid, {new});
    END;
    CREATE TRIGGER [{table}_ad] AFTER DELETE ON [{table}] BEGIN
        INSERT INTO [{table}_fts] ([{table}_fts], rowid, {cols}) VALUES('delete', old.rowid, {old});
    END;
    CREATE TRIGGER [{table}_au] AFTER UPDATE ON [{table}] BEGIN
        INSERT INTO [{table}_fts] ([{table}_fts], rowid, {cols}) VALUES('delete', old.rowid, {old});
        INSERT INTO [{table}_fts] (rowid, {cols}) VALUES (new.rowid, {new});
    END;
    """


FTS_TABLES = {"names": ("name",), "entities": ("name", "remarks")}  # tables with a full-text index, and its columns


def _fts_update(table: str, columns: tuple[str, ...]) -> str:
    """The trigger that keeps ``table``'s full-text index when one of ``columns`` changes (schema 14 on)."""
    cols = ", ".join(f"[{c}]" for c in columns)
    new = ", ".join(f"new.[{c}]" for c in columns)
    old = ", ".join(f"old.[{c}]" for c in columns)
    return f"""
    CREATE TRIGGER [{table}_au] AFTER UPDATE OF {cols} ON [{table}] BEGIN
        INSERT INTO [{table}_fts] ([{table}_fts], rowid, {cols}) VALUES('delete', old.rowid, {old});
        INSERT INTO [{table}_fts] (rowid, {cols}) VALUES (new.rowid, {new});
    END;
    """


def fts_triggers(table: str, columns: tuple[str, ...]) -> str:
    """The triggers that keep ``table``'s full-text index as they stand now (insert and delete as :func:`_fts` made them)."""
    script = _fts(table, columns)
    return script[script.index(f"CREATE TRIGGER [{table}_ai]") : script.index(f"CREATE TRIGGER [{table}_au]")] + _fts_update(table, columns)


MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        file TEXT NOT NULL,
        format TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        as_of TEXT,
        lists TEXT,
        started TEXT NOT NULL,
        finished TEXT,
        status TEXT NOT NULL DEFAULT 'running',
        rows_read INTEGER DEFAULT 0,
        added INTEGER DEFAULT 0,
        updated INTEGER DEFAULT 0,
        removed INTEGER DEFAULT 0,
        rejected INTEGER DEFAULT 0,
        message TEXT
    );
    CREATE TABLE rejects (
        id INTEGER PRIMARY KEY,
        import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
        file TEXT NOT NULL,
        line INTEGER,
        field TEXT,
        error TEXT NOT NULL,
        raw TEXT
    );
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        import_id INTEGER REFERENCES imports(id),
        name TEXT NOT NULL,
        file TEXT,
        url TEXT,
        as_of TEXT,
        license TEXT
    );
    CREATE TABLE entities (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL DEFAULT 'other',
        name TEXT NOT NULL,
        countries TEXT NOT NULL DEFAULT '',
        ownership TEXT,
        remarks TEXT,
        first_seen TEXT,
        last_seen TEXT,
        source_id INTEGER REFERENCES sources(id)
    );
    CREATE TABLE names (
        id INTEGER PRIMARY KEY,
        entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        latn TEXT NOT NULL,
        core TEXT NOT NULL,
        origin TEXT NOT NULL,
        source_id INTEGER REFERENCES sources(id),
        UNIQUE (entity_id, origin, name)
    );
    CREATE INDEX names_latn ON names(latn);
    CREATE INDEX names_entity ON names(entity_id);
    CREATE TABLE addresses (
        id INTEGER PRIMARY KEY,
        entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
        address TEXT NOT NULL,
        country TEXT,
        norm TEXT NOT NULL,
        origin TEXT NOT NULL,
        source_id INTEGER REFERENCES sources(id),
        UNIQUE (entity_id, origin, address)
    );
    CREATE INDEX addresses_norm ON addresses(norm);
    CREATE INDEX addresses_entity ON addresses(entity_id);
    CREATE TABLE identifiers (
        id INTEGER PRIMARY KEY,
        entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        country TEXT,
        origin TEXT NOT NULL,
        source_id INTEGER REFERENCES sources(id),
        UNIQUE (entity_id, origin, kind, value)
    );
    CREATE INDEX identifiers_entity ON identifiers(entity_id);
    CREATE TABLE listings (
        id INTEGER PRIMARY KEY,
        entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
        list TEXT NOT NULL,
        programs TEXT,
        citation TEXT,
        start_date TEXT,
        end_date TEXT,
        license_requirement TEXT,
        license_policy TEXT,
        status TEXT NOT NULL DEFAULT 'active',
        removed_date TEXT,
        source_url TEXT,
        remarks TEXT,
        source_id INTEGER REFERENCES sources(id),
        UNIQUE (entity_id, list)
    );
    CREATE INDEX listings_list ON listings(list, status);
    CREATE TABLE changes (
        id INTEGER PRIMARY KEY,
        import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
        entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
        list TEXT NOT NULL,
        change TEXT NOT NULL,
        fields TEXT,
        as_of TEXT
    );
    CREATE INDEX changes_entity ON changes(entity_id);
    CREATE TABLE hs_sections (
        section TEXT PRIMARY KEY,
        name TEXT NOT NULL
    );
    CREATE TABLE hs_codes (
        code TEXT PRIMARY KEY,
        level INTEGER NOT NULL,
        description TEXT NOT NULL,
        parent TEXT,
        section TEXT,
        source_id INTEGER REFERENCES sources(id)
    );
    CREATE TABLE chpl (
        hs6 TEXT PRIMARY KEY,
        tier TEXT NOT NULL,
        tier_name TEXT,
        tier_group TEXT,
        tier_definition TEXT,
        list_version TEXT,
        source_id INTEGER REFERENCES sources(id)
    );
    CREATE TABLE entity_goods (
        id INTEGER PRIMARY KEY,
        entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
        hs_code TEXT NOT NULL REFERENCES hs_codes(code),
        goods TEXT,
        evidence TEXT,
        period TEXT,
        source_id INTEGER REFERENCES sources(id),
        UNIQUE (entity_id, hs_code)
    );
    CREATE TABLE trade_flows (
        id INTEGER PRIMARY KEY,
        reporter TEXT NOT NULL,
        partner TEXT NOT NULL,
        flow TEXT NOT NULL,
        hs_code TEXT NOT NULL,
        product TEXT,
        period TEXT NOT NULL,
        value REAL NOT NULL,
        unit TEXT NOT NULL,
        basis TEXT,
        note TEXT,
        source_id INTEGER REFERENCES sources(id)
    );
    CREATE INDEX trade_flows_hs ON trade_flows(hs_code, reporter, partner);
    CREATE TABLE relations (
        id INTEGER PRIMARY KEY,
        from_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
        to_id INTEGER REFERENCES entities(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        detail TEXT,
        origin TEXT NOT NULL,
        source_id INTEGER REFERENCES sources(id)
    );
    CREATE INDEX relations_from ON relations(from_id);
    CREATE INDEX relations_to ON relations(to_id);
    -- user data: keyed by entity key (stable across rebuilds), never touched by imports
    CREATE TABLE user_watchlist (
        entity_key TEXT PRIMARY KEY,
        starred_at TEXT NOT NULL,
        tags TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE user_notes (
        entity_key TEXT PRIMARY KEY,
        note TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    """,
    # 2: shipments (customs records), their parties' links to entities, and the user's link decisions
    """
    CREATE TABLE shipments (
        id INTEGER PRIMARY KEY,
        source_id INTEGER REFERENCES sources(id) ON DELETE CASCADE,
        line INTEGER,
        date TEXT NOT NULL,
        exporter TEXT NOT NULL,
        exporter_country TEXT,
        importer TEXT,
        importer_country TEXT,
        hs_code TEXT NOT NULL,
        goods TEXT,
        value REAL,
        quantity REAL,
        weight_kg REAL,
        exporter_key TEXT NOT NULL,
        importer_key TEXT
    );
    CREATE INDEX shipments_exporter ON shipments(exporter_key);
    CREATE INDEX shipments_importer ON shipments(importer_key);
    CREATE TABLE party_links (
        id INTEGER PRIMARY KEY,
        party_key TEXT NOT NULL,
        party_name TEXT NOT NULL,
        entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
        method TEXT NOT NULL,
        score REAL,
        UNIQUE (party_key, entity_id)
    );
    CREATE INDEX party_links_entity ON party_links(entity_id);
    CREATE TABLE party_seen (party_key TEXT PRIMARY KEY);  -- parties already looked at by the linker
    CREATE TABLE user_link_decisions (
        party_key TEXT NOT NULL,
        entity_key TEXT NOT NULL,
        decision TEXT NOT NULL,
        decided_at TEXT NOT NULL,
        PRIMARY KEY (party_key, entity_key)
    );
    """,
    # 3: entity resolution (groups, candidates, the user's decisions) and what changed in each field
    """
    CREATE TABLE resolution (
        entity_id INTEGER PRIMARY KEY REFERENCES entities(id) ON DELETE CASCADE,
        group_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
        reason TEXT NOT NULL
    );  -- records merged into a group (the group's own record has no row)
    CREATE INDEX resolution_group ON resolution(group_id);
    CREATE TABLE resolve_candidates (
        id INTEGER PRIMARY KEY,
        a_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
        b_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
        score REAL NOT NULL,
        reason TEXT NOT NULL
    );
    CREATE INDEX resolve_candidates_a ON resolve_candidates(a_id);
    CREATE INDEX resolve_candidates_b ON resolve_candidates(b_id);
    CREATE TABLE user_resolve_decisions (
        key_a TEXT NOT NULL,
        key_b TEXT NOT NULL,
        decision TEXT NOT NULL,
        decided_at TEXT NOT NULL,
        PRIMARY KEY (key_a, key_b)
    );
    ALTER TABLE names ADD COLUMN ident TEXT;  -- resolve.identity_name(name), filled on import
    ALTER TABLE changes ADD COLUMN detail TEXT;  -- JSON {field: [before, after]}
    CREATE INDEX changes_list ON changes(list, as_of);
    """,
    # 4: screening runs, their rows and the user's triage decisions (all user data)
    """
    CREATE TABLE user_screening_runs (
        id INTEGER PRIMARY KEY,
        file TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        started TEXT NOT NULL,
        user TEXT NOT NULL,
        threshold REAL NOT NULL,
        snapshot TEXT NOT NULL,  -- JSON {list: newest snapshot date} screened against
        summary TEXT NOT NULL
    );
    CREATE TABLE user_screening_rows (
        run_id INTEGER NOT NULL REFERENCES user_screening_runs(id) ON DELETE CASCADE,
        line INTEGER NOT NULL,
        name TEXT NOT NULL,
        country TEXT,
        input TEXT NOT NULL,
        status TEXT NOT NULL,
        entity_key TEXT,
        score REAL,
        lists TEXT,
        matches TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        PRIMARY KEY (run_id, line)
    );
    CREATE TABLE user_screening_decisions (
        run_id INTEGER NOT NULL REFERENCES user_screening_runs(id) ON DELETE CASCADE,
        line INTEGER NOT NULL,
        entity_key TEXT,
        decision TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        decided_at TEXT NOT NULL,
        user TEXT NOT NULL,
        PRIMARY KEY (run_id, line)
    );
    """,
    # 5: full-text search on names and entities, for Datasette and SQL users (the app has its own index)
    _fts("names", ("name",)) + _fts("entities", ("name", "remarks")),
    # 6: user decisions and notes as append-only history (the current state is the latest event), who runs an
    # import (pid), and the store's generations (what a long-lived reader checks to see that something changed)
    """
    ALTER TABLE imports ADD COLUMN pid INTEGER;
    CREATE TABLE store_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO store_state VALUES ('data', 0), ('user', 0);
    CREATE TRIGGER imports_generation AFTER UPDATE OF status ON imports WHEN new.status = 'ok' BEGIN
        UPDATE store_state SET value = value + 1 WHERE key = 'data';
    END;

    CREATE TABLE user_screening_events (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES user_screening_runs(id) ON DELETE CASCADE,
        line INTEGER NOT NULL,
        entity_key TEXT,
        decision TEXT NOT NULL,
        note TEXT,  -- NULL: no note given (the row keeps its earlier note); '' clears it
        decided_at TEXT NOT NULL,
        user TEXT NOT NULL
    );
    CREATE INDEX user_screening_events_row ON user_screening_events(run_id, line, id);
    INSERT INTO user_screening_events (run_id, line, entity_key, decision, note, decided_at, user)
        SELECT run_id, line, entity_key, decision, note, decided_at, user FROM user_screening_decisions ORDER BY decided_at;
    DROP TABLE user_screening_decisions;
    CREATE VIEW user_screening_decisions AS
        SELECT e.run_id, e.line, e.entity_key, e.decision,
               coalesce((SELECT n.note FROM user_screening_events n WHERE n.run_id = e.run_id AND n.line = e.line
                         AND n.note IS NOT NULL ORDER BY n.id DESC LIMIT 1), '') AS note,
               e.decided_at, e.user
        FROM user_screening_events e
        WHERE e.id = (SELECT max(l.id) FROM user_screening_events l WHERE l.run_id = e.run_id AND l.line = e.line);

    CREATE TABLE user_resolve_events (
        id INTEGER PRIMARY KEY,
        key_a TEXT NOT NULL,
        key_b TEXT NOT NULL,
        decision TEXT NOT NULL,
        note TEXT,
        decided_at TEXT NOT NULL,
        user TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX user_resolve_events_pair ON user_resolve_events(key_a, key_b, id);
    INSERT INTO user_resolve_events (key_a, key_b, decision, decided_at)
        SELECT key_a, key_b, decision, decided_at FROM user_resolve_decisions ORDER BY decided_at;
    DROP TABLE user_resolve_decisions;
    CREATE VIEW user_resolve_decisions AS
        SELECT e.key_a, e.key_b, e.decision, e.decided_at, e.user, e.note FROM user_resolve_events e
        WHERE e.id = (SELECT max(l.id) FROM user_resolve_events l WHERE l.key_a = e.key_a AND l.key_b = e.key_b);

    CREATE TABLE user_link_events (
        id INTEGER PRIMARY KEY,
        party_key TEXT NOT NULL,
        entity_key TEXT NOT NULL,
        decision TEXT NOT NULL,
        decided_at TEXT NOT NULL,
        user TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX user_link_events_pair ON user_link_events(party_key, entity_key, id);
    INSERT INTO user_link_events (party_key, entity_key, decision, decided_at)
        SELECT party_key, entity_key, decision, decided_at FROM user_link_decisions ORDER BY decided_at;
    DROP TABLE user_link_decisions;
    CREATE VIEW user_link_decisions AS
        SELECT e.party_key, e.entity_key, e.decision, e.decided_at, e.user FROM user_link_events e
        WHERE e.id = (SELECT max(l.id) FROM user_link_events l WHERE l.party_key = e.party_key AND l.entity_key = e.entity_key);

    CREATE TABLE user_note_history (
        id INTEGER PRIMARY KEY,
        entity_key TEXT NOT NULL,
        note TEXT NOT NULL,  -- '' when the note was removed
        saved_at TEXT NOT NULL,
        user TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX user_note_history_key ON user_note_history(entity_key, id);
    INSERT INTO user_note_history (entity_key, note, saved_at) SELECT entity_key, note, updated_at FROM user_notes;
    """
    + "".join(
        f"""
    CREATE TRIGGER {table}_{op.lower()}_generation AFTER {op} ON {table} BEGIN
        UPDATE store_state SET value = value + 1 WHERE key = 'user';
    END;"""
        for table in ("user_watchlist", "user_notes", "user_screening_runs", "user_screening_events", "user_resolve_events", "user_link_events")
        for op in ("INSERT", "UPDATE", "DELETE")
    )
    + """
    CREATE TRIGGER user_resolve_events_regroup AFTER INSERT ON user_resolve_events BEGIN
        UPDATE store_state SET value = value + 1 WHERE key = 'data';
    END;
    """,
    # 7: names and addresses keyed again (Cyrillic transliterated, legal forms written out folded, glued forms and
    # initialisms split): done in Python by store.db._migrate (importers.apply.rekey), then records regrouped
    """
    UPDATE store_state SET value = value + 1 WHERE key = 'data';
    """,
    # 8: names keyed again: Chinese names translated word by word (科技 → tech, 北方工业 → north industries), Chinese
    # ordinals, place names split from brands, other romanisations of Russian legal forms (store.db._migrate)
    """
    UPDATE store_state SET value = value + 1 WHERE key = 'data';
    """,
    # 9: facts of a person (birth date and place, nationality, gender, position) and the role of a typed relation
    # (an owner's share, a director's role, a family relationship)
    """
    CREATE TABLE facts (
        id INTEGER PRIMARY KEY,
        entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        origin TEXT NOT NULL,
        source_id INTEGER REFERENCES sources(id),
        UNIQUE (entity_id, origin, kind, value)
    );
    CREATE INDEX facts_entity ON facts(entity_id);
    ALTER TABLE relations ADD COLUMN role TEXT;
    """,
    # 10: a record's listings by its id (opening an entity read every listing once per related entity)
    """
    CREATE INDEX IF NOT EXISTS listings_entity ON listings(entity_id);
    """,
    # 11: what `watchlist update` last fetched from each source (its validators, for a conditional request next time)
    """
    CREATE TABLE IF NOT EXISTS fetches (
        source TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        fetched_at TEXT NOT NULL,
        content_hash TEXT,
        import_id INTEGER REFERENCES imports(id) ON DELETE SET NULL
    );
    """,
    # 12: names the user gives an entity (how it appears on their invoices, in their language): user data, kept across
    # rebuilds; search and screening read them with the lists' names, so a change regenerates the index ('data')
    """
    CREATE TABLE user_aliases (
        id INTEGER PRIMARY KEY,
        entity_key TEXT NOT NULL,
        name TEXT NOT NULL,
        added_at TEXT NOT NULL,
        user TEXT NOT NULL DEFAULT '',
        UNIQUE (entity_key, name)
    );
    """
    + "".join(
        f"""
    CREATE TRIGGER user_aliases_{op.lower()}_generation AFTER {op} ON user_aliases BEGIN
        UPDATE store_state SET value = value + 1 WHERE key IN ('data', 'user');
    END;"""
        for op in ("INSERT", "UPDATE", "DELETE")
    ),
    # 13: names keyed again (more Chinese words translated, "national" and "innovation" as industry words, "SZ" as
    # Shenzhen, "Trdg"): done in Python by store.upgrade.data_steps (importers.apply.rekey), then records regrouped
    """
    UPDATE store_state SET value = value + 1 WHERE key = 'data';
    """,
    # 14: the full-text indexes follow only the columns they hold: an import's update of an entity's dates or a name's
    # match keys no longer rewrites them
    "DROP TRIGGER [entities_au];\nDROP TRIGGER [names_au];\n" + "".join(_fts_update(t, cols) for t, cols in FTS_TABLES.items()),
    # 15: what each record is compared on in resolution (a name, core, identifier or street address: a "block"), so a
    # change regroups only the records near it (store.resolve); filled by the next full regroup
    """
    CREATE TABLE resolve_blocks (block TEXT NOT NULL, entity_id INTEGER NOT NULL);
    CREATE INDEX resolve_blocks_block ON resolve_blocks(block);
    CREATE INDEX resolve_blocks_entity ON resolve_blocks(entity_id);
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)

# Tables an import or a rebuild may write; everything named user_* is the user's (store_state is bookkeeping).
DATA_TABLES = (
    "fetches",  # a rebuilt store fetches everything again
    "resolve_blocks",
    "resolve_candidates",
    "resolution",
    "party_seen",
    "party_links",
    "shipments",
    "changes",
    "relations",
    "trade_flows",
    "entity_goods",
    "chpl",
    "hs_codes",
    "hs_sections",
    "listings",
    "facts",
    "identifiers",
    "addresses",
    "names",
    "entities",
    "sources",
    "rejects",
    "imports",
)
