"""Clean articles -> stored entries: the incremental state (SQLite)."""
