"""Minimal reproduction of a Textual bug, for an upstream report: `Log(max_lines=N)` stops
updating the screen once it holds N lines while scrolled to the end.

`Log.write_lines` prunes the oldest lines, then asks to refresh only the rows where the new
lines were appended (below the pruned view) and calls `scroll_end`, which changes nothing since
the view is already at the end: the rows on screen, whose content has shifted, are never
repainted. The view freezes on the lines it showed when the limit was first reached, while
`Log.lines` holds the new ones; anything that repaints the widget (a scroll up, a resize) shows
them.

Run: python benchmarks/textual_log_freeze.py   (needs only textual; headless)
"""

from __future__ import annotations

import asyncio

import textual
from textual.app import App, ComposeResult
from textual.widgets import Log


class LogApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Log(max_lines=100)


def screen_text(app: App[None]) -> str:
    """What the screen shows, row by row (the compositor's own render of the current frame)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def main() -> None:
    print(f"textual {textual.__version__}")
    app = LogApp()
    async with app.run_test(size=(40, 10)) as pilot:
        log = app.query_one(Log)
        for batch in range(15):
            log.write_lines([f"line {batch * 10 + i}" for i in range(10)])
            await pilot.pause()
            last = f"line {batch * 10 + 9}"
            print(f"wrote up to {last:9} ({len(log.lines):3} kept): last line visible: "
                  f"{last in screen_text(app)}")
        print("the screen shows:   ", shown(app))
        print("Log.lines ends with:", ", ".join(log.lines[-3:]))
        log.refresh()
        await pilot.pause()
        print("after log.refresh():", shown(app))


def shown(app: App[None]) -> str:
    rows = [row.strip() for row in screen_text(app).splitlines() if row.strip()]
    return f"{rows[0]} … {rows[-1]}"


if __name__ == "__main__":
    asyncio.run(main())
