"""The libraries whose output refeed stores or publishes, and their installed versions.

A sanitizer release may close a hole, and articles stored before it would go on being served
as the old version let them through. So the versions of the HTML stack are part of the ingest
fingerprint (an upgrade cleans the archive again, once), and those of the renderers and of
OpenCC part of the render fingerprint (pipeline._check_fingerprints).

Reading versions imports importlib.metadata (~50 ms), too much for a pass with nothing to do.
Installing, upgrading or removing a package adds or removes entries in the folder it is
installed in (its `<name>-<version>.dist-info` among them), which also moves that folder's
mtime: a pass lists those folders (`install_stamp`) and reads the versions only when one
changed (the names catch an upgrade where timestamps are normalized, as in reproducible
images). Both are read once per process: a daemon runs the libraries it imported when it
started, and a package installed since is for the process that replaces it to record
(recording it earlier would mark the archive cleaned by a version that never cleaned it).
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from refeed.ingest.policy import ENGINES

# distribution name -> the module it installs
INGEST = {
    "nh3": "nh3",
    "bleach": "bleach",
    "beautifulsoup4": "bs4",
    "selectolax": "selectolax",
    "python-dateutil": "dateutil",
}
RENDER = {"feedgen": "feedgen", "lxml": "lxml", "jinja2": "jinja2", "opencc": "opencc"}


def cleaning(engine: str) -> list[str]:
    """The distributions that clean an article under sanitizer `engine`: the HTML stack less
    the engines not in use (an nh3 release must not re-clean an archive bleach cleaned). An
    engine is named as its distribution is (policy.ENGINES)."""
    unused = set(ENGINES) - {engine}
    return [dist for dist in INGEST if dist not in unused]


@cache
def install_stamp() -> str:
    """The mtimes and package metadata names of the folders the libraries are installed in
    (found without importing them)."""
    folders: set[Path] = set()
    for module in (*INGEST.values(), *RENDER.values()):
        spec = find_spec(module)
        if spec is not None and spec.origin is not None:
            where = Path(spec.origin).parent  # .../site-packages/nh3, or the module's folder
            folders.add(where.parent if spec.submodule_search_locations else where)
    return json.dumps({str(f): [f.stat().st_mtime_ns, _metadata_names(f)] for f in sorted(folders)})


def _metadata_names(folder: Path) -> list[str]:
    with os.scandir(folder) as entries:
        return sorted(e.name for e in entries if e.name.endswith((".dist-info", ".egg-info")))


@cache
def versions() -> dict[str, str]:
    """Every library's installed version ("absent" for one that is not installed)."""
    from importlib import metadata  # deferred: ~50 ms, paid only when a folder moved

    found = {}
    for dist in sorted((*INGEST, *RENDER)):
        try:
            found[dist] = metadata.version(dist) or "unknown"  # None: metadata without one
        except metadata.PackageNotFoundError:
            found[dist] = "absent"
    return found


@cache
def zone_data(keys: tuple[str, ...]) -> dict[str, str]:
    """A digest of the TZif file zoneinfo reads for each IANA zone in `keys` (where it would
    find it: the system's TZPATH first, then the tzdata package), "absent" where it finds
    none. A tzdata update can move a zone's offsets, and with them the times parsed from
    pages written in it (`timezone` in a source's rules), so this is in the ingest
    fingerprint; a few small files, read only for the zones the config names. Once per
    process, like the versions: zoneinfo keeps the zones it loaded for the process's life."""
    import zoneinfo  # the config imported it already when it checked the names

    spec = find_spec("tzdata") if keys else None
    package = Path(spec.origin).parent / "zoneinfo" if spec and spec.origin else None
    found = {}
    for key in sorted(set(keys)):
        candidates = [Path(folder, key) for folder in zoneinfo.TZPATH]
        candidates += [package / key] if package is not None else []
        data = next((p.read_bytes() for p in candidates if p.is_file()), None)
        found[key] = "absent" if data is None else hashlib.blake2b(data, digest_size=16).hexdigest()
    return found
