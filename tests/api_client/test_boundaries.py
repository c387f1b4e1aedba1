"""The package boundaries (STYLE rule 1), proved in fresh interpreters.

`api_client` imports neither `tui` nor `server`; `server` imports neither `tui` nor `textual`; nothing in `tui`
loads the server (the embedded factory imports it inside the function), so a user of a remote server never
pays for FastAPI, SQLAlchemy or Alembic.

Each package gets one fresh interpreter that imports every module of the package in turn and looks at
`sys.modules` after each: a forbidden package, once loaded, stays loaded, so the first module after which it
appears is the one that pulled it in. That finds exactly what one interpreter per module would, in a
fraction of the time. Entry points (`__main__`) and Alembic's scripts (`server/migrations`, run by Alembic,
not imported) are left out.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

WALK = """
import importlib, json, sys
from pathlib import Path

package, forbidden = sys.argv[1], set(sys.argv[2].split(","))
root = Path(sys.argv[3]) / package
names = []
for path in sorted(root.rglob("*.py")):
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    name = ".".join(parts)
    if parts[-1] == "__main__" or name.startswith("server.migrations"):
        continue
    names.append(name)

found = {}
for name in names:
    importlib.import_module(name)
    loaded = sorted({m.split(".")[0] for m in sys.modules} & forbidden)
    for top in loaded:
        found.setdefault(top, name)
print(json.dumps({"modules": names, "forbidden_loaded_by": found}))
"""


def walk(package: str, forbidden: set[str]) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-c", WALK, package, ",".join(sorted(forbidden)), str(ROOT)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, object] = json.loads(completed.stdout)
    return result


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("api_client", {"tui", "server", "textual", "fastapi", "sqlalchemy", "alembic"}),
        ("server", {"tui", "textual"}),
        ("tui", {"server", "fastapi", "sqlalchemy", "alembic", "starlette"}),
    ],
)
def test_no_module_crosses_its_package_boundary(package: str, forbidden: set[str]) -> None:
    result = walk(package, forbidden)
    assert result["forbidden_loaded_by"] == {}, f"{package}: forbidden package -> first module that loaded it"
    modules = result["modules"]
    assert isinstance(modules, list)
    assert package in modules
    assert len(modules) > 1, "the walk saw the package's modules"


def test_the_client_and_the_embedded_factory_load_no_server() -> None:
    code = (
        "import sys, api_client, tui.embedded; "
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'server', 'fastapi', 'sqlalchemy', 'alembic'}); "
        "assert not loaded, loaded"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr


def test_the_embedded_server_prints_no_pdf_until_asked(tmp_path: Path) -> None:
    """fpdf2 (with fontTools) costs about 0.2 s and several MB to import: a start that shows the clients must
    not pay for it; the first document download does."""
    code = f"""
import asyncio, sys
from pathlib import Path
from tui.embedded import open_embedded_client

async def main():
    async with await open_embedded_client(data_dir=Path({str(tmp_path)!r}), demo_size=30) as api:
        await api.me()
        page = await api.search_clients(q="a")
        mandates = [m for c in page.items[:10] for m in (await api.get_client(c.id)).mandates]
        assert "fpdf" not in sys.modules, "loaded before any document was asked for"
        await api.download_mandate(mandates[0].id, Path({str(tmp_path)!r}) / "m.pdf")
        assert "fpdf" in sys.modules

asyncio.run(main())
"""
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
