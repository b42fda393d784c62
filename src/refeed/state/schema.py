"""The state database's tables, indexes and triggers, as SQL (applied by `store.py`).

A database of any other `SCHEMA_VERSION` is replaced by an empty one and rebuilt from the seed
files: the state is a cache. Bump the version with every change below.
"""

SCHEMA_VERSION = 4  # any other version is rebuilt from the seed files
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE seeds (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    hash TEXT NOT NULL,
    rejected TEXT,          -- the reason, when the file was rejected
    retry_at_us INTEGER     -- a rejected file is retried then even if unchanged (future dates)
);
CREATE INDEX seeds_hash ON seeds(hash);
CREATE INDEX seeds_retry ON seeds(retry_at_us) WHERE retry_at_us IS NOT NULL;
CREATE INDEX seeds_rejected ON seeds(path) WHERE rejected IS NOT NULL;
CREATE TABLE articles (
    path TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    author TEXT,
    summary TEXT NOT NULL,
    content_html TEXT NOT NULL,
    categories TEXT NOT NULL,  -- JSON list
    published_us INTEGER NOT NULL,
    updated_us INTEGER NOT NULL,
    media TEXT NOT NULL        -- JSON: {"image": {...} | null, "enclosures": [{...}]}
);
CREATE INDEX articles_url ON articles(url);
CREATE TABLE entries (
    url TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    path TEXT NOT NULL,        -- the winning article
    published_us INTEGER NOT NULL,
    updated_us INTEGER NOT NULL,
    tie INTEGER NOT NULL DEFAULT 0  -- µs its shown time is after updated_us (TIES_SCHEMA)
);
CREATE INDEX entries_newest ON entries(updated_us DESC, entry_id DESC);
CREATE INDEX entries_source_newest ON entries(source, updated_us DESC, entry_id DESC);
CREATE TABLE dirty (source TEXT PRIMARY KEY);
CREATE TABLE feeds (name TEXT PRIMARY KEY);  -- feed files this state has written
CREATE TABLE merge_notices (        -- merges already reported (to the build, the daemon's log)
    url TEXT PRIMARY KEY,
    files TEXT NOT NULL,            -- JSON list, sorted
    winner TEXT NOT NULL
) WITHOUT ROWID;
-- URLs whose merge may have changed since it was last reported: written with the change, so a
-- crash after an intermediate commit still has them reported by the next pass
CREATE TABLE merge_review (url TEXT PRIMARY KEY) WITHOUT ROWID;

-- Row counts, kept by the triggers below (REPLACE fires the delete triggers too: the store
-- turns recursive_triggers on), so that no summary counts a table. No OR-clause inside a
-- trigger: the outer statement's (INSERT OR REPLACE) would override it.
CREATE TABLE tallies (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO tallies VALUES ('seeds', 0), ('rejected', 0), ('articles', 0), ('entries', 0);
CREATE TABLE source_tallies (source TEXT PRIMARY KEY, entries INTEGER NOT NULL) WITHOUT ROWID;
CREATE TRIGGER seeds_added AFTER INSERT ON seeds BEGIN
    UPDATE tallies SET n = n + 1 WHERE name = 'seeds';
    UPDATE tallies SET n = n + 1 WHERE name = 'rejected' AND NEW.rejected IS NOT NULL;
END;
CREATE TRIGGER seeds_dropped AFTER DELETE ON seeds BEGIN
    UPDATE tallies SET n = n - 1 WHERE name = 'seeds';
    UPDATE tallies SET n = n - 1 WHERE name = 'rejected' AND OLD.rejected IS NOT NULL;
END;
CREATE TRIGGER seeds_rejection_changed AFTER UPDATE OF rejected ON seeds BEGIN
    UPDATE tallies SET n = n + (NEW.rejected IS NOT NULL) - (OLD.rejected IS NOT NULL)
        WHERE name = 'rejected';
END;
CREATE TRIGGER articles_added AFTER INSERT ON articles BEGIN
    UPDATE tallies SET n = n + 1 WHERE name = 'articles';
END;
CREATE TRIGGER articles_dropped AFTER DELETE ON articles BEGIN
    UPDATE tallies SET n = n - 1 WHERE name = 'articles';
END;
CREATE TRIGGER entries_added AFTER INSERT ON entries BEGIN
    UPDATE tallies SET n = n + 1 WHERE name = 'entries';
    INSERT INTO source_tallies SELECT NEW.source, 0
        WHERE NOT EXISTS (SELECT 1 FROM source_tallies WHERE source = NEW.source);
    UPDATE source_tallies SET entries = entries + 1 WHERE source = NEW.source;
END;
CREATE TRIGGER entries_dropped AFTER DELETE ON entries BEGIN
    UPDATE tallies SET n = n - 1 WHERE name = 'entries';
    UPDATE source_tallies SET entries = entries - 1 WHERE source = OLD.source;
    DELETE FROM source_tallies WHERE source = OLD.source AND entries = 0;
END;
CREATE TRIGGER entries_moved AFTER UPDATE OF source ON entries BEGIN
    INSERT INTO source_tallies SELECT NEW.source, 0
        WHERE NOT EXISTS (SELECT 1 FROM source_tallies WHERE source = NEW.source);
    UPDATE source_tallies SET entries = entries + 1 WHERE source = NEW.source;
    UPDATE source_tallies SET entries = entries - 1 WHERE source = OLD.source;
    DELETE FROM source_tallies WHERE source = OLD.source AND entries = 0;
END;
"""

# WebSub pings not yet delivered (service/websub.py). A schema of its own, created if missing
# on every open, so adding it needed no SCHEMA_VERSION bump (which rebuilds the state).
# One row per (hub, topic): a newer publish of a topic resets its row rather than adding one.
PINGS_SCHEMA = """
CREATE TABLE IF NOT EXISTS pings (
    hub TEXT NOT NULL,
    topic TEXT NOT NULL,
    attempts INTEGER NOT NULL,      -- failed attempts since the topic was last published
    next_at_us INTEGER NOT NULL,    -- not sent before this time (backoff, Retry-After)
    last_error TEXT,
    failed INTEGER NOT NULL,        -- 1: gave up (max attempts, or the hub refused it)
    PRIMARY KEY (hub, topic)
);
CREATE INDEX IF NOT EXISTS pings_due ON pings(next_at_us) WHERE failed = 0;
"""
# URLs whose entry changed since the feeds were last rendered: what derived feeds and the
# archive index (state/history.py) look at, so that a pass costs what changed. Created if
# missing, like the pings, so that states written before it are kept.
CHANGED_SCHEMA = "CREATE TABLE IF NOT EXISTS changed (url TEXT PRIMARY KEY);"
# Instants (updated µs) that an entry was written at, or left, while others were there (or
# pushed times into it): their `entries.tie` may be stale. Store.mark_ties numbers the
# entries from there again once per pass and marks changed those whose number moved, in
# O(entries there).
TIES_SCHEMA = "CREATE TABLE IF NOT EXISTS tied_instants (updated_us INTEGER PRIMARY KEY);"
# A state from before `entries.tie`: the column, and every shared instant to number.
TIES_FROM_ENTRIES = """
ALTER TABLE entries ADD COLUMN tie INTEGER NOT NULL DEFAULT 0;
INSERT OR IGNORE INTO tied_instants
    SELECT updated_us FROM entries GROUP BY updated_us HAVING COUNT(*) > 1;
"""
# A state numbered before times were pushed past a crowded millisecond (2026-12-01): its
# instants holding more entries than a millisecond has microseconds, numbered again once.
TIES_PUSHED_KEY = "ties"
TIES_PUSHED = f"""
INSERT OR IGNORE INTO tied_instants
    SELECT updated_us FROM entries GROUP BY updated_us HAVING COUNT(*) > 1000;
INSERT OR REPLACE INTO meta VALUES ('{TIES_PUSHED_KEY}', 'pushed');
"""
# Derived feeds' members (state/members.py, decided by output/derived.py).
MEMBERS_SCHEMA = """
CREATE TABLE IF NOT EXISTS members (feed TEXT NOT NULL, url TEXT NOT NULL, PRIMARY KEY (feed, url));
CREATE TABLE IF NOT EXISTS member_rules (feed TEXT PRIMARY KEY, rules TEXT NOT NULL);
-- members per feed, kept by triggers like the tallies: a derived feed's total is not counted
CREATE TABLE IF NOT EXISTS member_counts (feed TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS members_counted AFTER INSERT ON members BEGIN
    INSERT INTO member_counts SELECT NEW.feed, 0
        WHERE NOT EXISTS (SELECT 1 FROM member_counts WHERE feed = NEW.feed);
    UPDATE member_counts SET n = n + 1 WHERE feed = NEW.feed;
END;
CREATE TRIGGER IF NOT EXISTS members_uncounted AFTER DELETE ON members BEGIN
    UPDATE member_counts SET n = n - 1 WHERE feed = OLD.feed;
    DELETE FROM member_counts WHERE feed = OLD.feed AND n = 0;
END;
"""
# Run once, when member_counts is created in a state that already has members.
MEMBER_COUNTS_FROM_MEMBERS = (
    "INSERT INTO member_counts SELECT feed, COUNT(*) FROM members GROUP BY feed"
)
# The signature of the seeds folder as the seeds table last matched it (meta key 'scan', written
# by `Store.record_scan`): any write to the table deletes it, in the same transaction, so a
# signature present is one the table still matches.
SCAN_KEY = "scan"
SCAN_SCHEMA = "".join(
    f"CREATE TRIGGER IF NOT EXISTS seeds_scan_{event.lower()} AFTER {event} ON seeds"
    f" BEGIN DELETE FROM meta WHERE key = '{SCAN_KEY}'; END;\n"
    for event in ("INSERT", "UPDATE", "DELETE")
)
# Script conversions of variant feeds' windows (state/conversions.py), per original feed.
CONVERSIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversions (
    feed TEXT NOT NULL,
    key BLOB NOT NULL,      -- output.variants.conversion_key: kind, OpenCC config, original
    value TEXT NOT NULL,
    PRIMARY KEY (feed, key)
);
"""
# The archive index (state/history.py): which archive page of each feed holds which entry.
HISTORY_SCHEMA = """
CREATE TABLE IF NOT EXISTS archived (
    feed TEXT NOT NULL,
    seq INTEGER NOT NULL,       -- 1, 2, 3 ... in the order entries were archived
    url TEXT NOT NULL,
    PRIMARY KEY (feed, seq),
    UNIQUE (feed, url)
);
CREATE TABLE IF NOT EXISTS archive_heads (feed TEXT PRIMARY KEY, last_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS windows (    -- each feed's subscription window as last rendered
    feed TEXT NOT NULL,
    url TEXT NOT NULL,
    PRIMARY KEY (feed, url)
);
"""
