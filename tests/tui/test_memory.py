"""`codadesk` keeps the garbage collector off while it imports and opens its server, then freezes what it
imported and turns the collector back on; a first start that builds the demo collects as usual."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.__main__ import settle_memory
from tui.embedded import open_embedded_client


@pytest.fixture
def collector_restored() -> Iterator[None]:
    """Leave this test process's collector as it found it (frozen objects would stay for every later test)."""
    enabled = gc.isenabled()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()
        else:
            gc.disable()


def test_settling_freezes_what_was_imported_and_collects_again(collector_restored: None) -> None:
    gc.disable()
    settle_memory()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 10_000, "the imported modules' objects are out of the collector's scans"


@pytest.mark.anyio
async def test_a_first_start_that_builds_the_demo_collects_garbage(collector_restored: None, tmp_path: Path) -> None:
    gc.disable()
    async with await open_embedded_client(data_dir=tmp_path, demo_size=20) as api:
        assert api.startup.seeded
        assert gc.isenabled()
