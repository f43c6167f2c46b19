"""The architecture's one-way imports: the core never imports Streamlit; every page is registered."""

import ast
from pathlib import Path

from tests.site import ROOT, registered_pages

CORE = ROOT / "finetune_guide"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_core_never_imports_streamlit() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in CORE.rglob("*.py")
        if "ui" not in path.relative_to(CORE).parts and "streamlit" in _imports(path)
    ]
    assert offenders == []


def test_every_page_script_is_registered_in_the_navigation() -> None:
    registered = {path for path, _ in registered_pages()}
    on_disk = {f"app_pages/{path.name}" for path in (ROOT / "app_pages").glob("*.py")}
    assert on_disk == registered


def test_url_paths_are_unique() -> None:
    urls = [url for _, url in registered_pages()]
    assert len(urls) == len(set(urls))


def test_no_legacy_pages_folder_beside_the_router() -> None:
    # A pages/ folder next to app.py makes Streamlit skip app.py (and its st.navigation) on deep links.
    assert not (ROOT / "pages").exists()
