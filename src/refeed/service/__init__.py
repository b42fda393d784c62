"""Running unattended: the scheduled daemon, change notifications, HTTP serving, the lock."""
