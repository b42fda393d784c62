"""Seed file -> clean article: find and parse seed files, clean and sanitize their HTML."""
