"""Stored entries -> feed files: the feed model, one renderer per format, atomic publishing."""
