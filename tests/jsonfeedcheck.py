"""JSON Feed 1.1 checks, written from the spec (https://www.jsonfeed.org/version/1.1/).

A JSON Schema (jsonschema) for the structure: required fields, types, and no key the spec
does not define unless it starts with "_" (the spec's extension rule); RFC 3339 dates and
absolute URLs are format checks of our own. (feedparser 6.0, the newest release, reads no
JSON Feed, so unlike Atom and RSS there is no client check here.)
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker

RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)\Z", re.I)
FORMATS = FormatChecker(formats=())


@FORMATS.checks("rfc3339")
def _is_rfc3339(value: object) -> bool:
    if not isinstance(value, str) or not RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@FORMATS.checks("absolute-url")
def _is_absolute_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _object(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """An object with exactly these keys, plus any "_"-prefixed extension."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "patternProperties": {"^_": {}},
        "additionalProperties": False,
    }


STRING = {"type": "string"}
URL = {"type": "string", "format": "absolute-url"}
DATE = {"type": "string", "format": "rfc3339"}
AUTHOR = _object({"name": STRING, "url": URL, "avatar": URL}) | {
    "anyOf": [{"required": [k]} for k in ("name", "url", "avatar")]
}
AUTHORS = {"type": "array", "items": AUTHOR}
ATTACHMENT = _object(
    {
        "url": URL,
        "mime_type": STRING,
        "title": STRING,
        "size_in_bytes": {"type": "number"},
        "duration_in_seconds": {"type": "number"},
    },
    ("url", "mime_type"),
)
ITEM = _object(
    {
        "id": STRING,
        "url": URL,
        "external_url": URL,
        "title": STRING,
        "content_html": STRING,
        "content_text": STRING,
        "summary": STRING,
        "image": URL,
        "banner_image": URL,
        "date_published": DATE,
        "date_modified": DATE,
        "authors": AUTHORS,
        "author": AUTHOR,  # 1.0, deprecated but allowed
        "tags": {"type": "array", "items": STRING},
        "language": STRING,
        "attachments": {"type": "array", "items": ATTACHMENT},
    },
    ("id",),
) | {"anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}]}
FEED = _object(
    {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": STRING,
        "home_page_url": URL,
        "feed_url": URL,
        "description": STRING,
        "user_comment": STRING,
        "next_url": URL,
        "icon": URL,
        "favicon": URL,
        "authors": AUTHORS,
        "author": AUTHOR,
        "language": STRING,
        "expired": {"type": "boolean"},
        "hubs": {
            "type": "array",
            "items": _object({"type": STRING, "url": URL}, ("type", "url")),
        },
        "items": {"type": "array", "items": ITEM},
    },
    ("version", "title", "items"),
)
VALIDATOR = Draft202012Validator(FEED, format_checker=FORMATS)


def document_problems(doc: object) -> list[str]:
    """Every way `doc` breaks the JSON Feed 1.1 rules, each with where."""
    problems = [
        f"{'/'.join(map(str, e.absolute_path)) or '(feed)'}: {e.message}"
        for e in VALIDATOR.iter_errors(doc)
    ]
    if isinstance(doc, dict) and isinstance(doc.get("items"), list):
        ids = [i.get("id") for i in doc["items"] if isinstance(i, dict)]
        if len(ids) != len(set(ids)):
            problems.append("duplicate item ids")
    return problems


def json_feed_problems(path: Path) -> list[str]:
    data = path.read_bytes()
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return [f"not UTF-8 JSON: {exc}"]
    problems = document_problems(doc)
    if data != (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode():
        problems.append("not written in the canonical form (indent 2, no escapes, final newline)")
    return problems
