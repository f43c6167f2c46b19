"""What the tests know about the site map: the pages app.py registers, read from app.py itself."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("en", "pl")


def registered_pages() -> list[tuple[str, str]]:
    """(script path, url_path) of every st.Page in app.py, in site-map order; the default page is served at ""."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    pages = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "Page"):
            continue
        keywords = {keyword.arg: keyword.value for keyword in node.keywords}
        script = ast.literal_eval(node.args[0])
        url_path = ast.literal_eval(keywords["url_path"]) if "url_path" in keywords else Path(script).stem
        is_default = "default" in keywords and ast.literal_eval(keywords["default"]) is True
        pages.append((node.lineno, script, "" if is_default else url_path))
    return [(script, url) for _, script, url in sorted(pages)]
