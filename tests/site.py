"""What the tests know about the site map: the pages app.py registers, read from app.py itself."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("en", "pl")


def registered_pages() -> list[tuple[str, str]]:
    """(script path, url_path) of every st.Page in app.py, in site-map order."""
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    pages = []
    for line in source.splitlines():
        found = re.search(r'st\.Page\(\s*"(app_pages/[^"]+\.py)".*?url_path="([^"]+)"', line)
        if found:
            # The default page is served at the site root; its url_path is not an address of its own.
            pages.append((found[1], "" if "default=True" in line else found[2]))
    return pages
