"""Regenerate the pictures in screenshots/ from the same fixed data the snapshot tests use.

Run: .venv/bin/python scripts/screenshots.py
"""

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.app.test_snapshots import _app, _fill  # noqa: E402


async def shoot(name: str, keys: list[str]) -> None:
    app = _app()
    async with app.run_test(size=(170, 42)) as pilot:
        await _fill(pilot)
        if keys:
            await pilot.press(*keys)
            await pilot.pause()
        app.save_screenshot(str(ROOT / "screenshots" / f"{name}.svg"))


async def main() -> None:
    await shoot("main-screen", [])
    await shoot("help", ["question_mark"])


asyncio.run(main())
