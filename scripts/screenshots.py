"""Regenerate screenshots/ from the real app, driven headless against the test rig's Docker engine,
its local registry and a real JupyterLab (tests/rig/setup.sh), with Jupyter tokens masked.

Run: .venv/bin/python scripts/screenshots.py   (it runs the rig's setup if the rig does not answer)

It launches the rig's stack through the app's own launch form, waits until Jupyter's URL is on
the row, and saves the pictures; it also writes screenshots/SOURCE_HASH, the hash of the tui/
tree the pictures were made from, which tests/unit/test_screenshots.py compares with the current
code. What it creates (one container, a scratch folder) is removed before it returns, whatever
happens; the rig's images are left as they were.
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "screenshots"
HASH_FILE = "SOURCE_HASH"
SOURCE_SUFFIXES = (".py", ".tcss")
# A Jupyter token as jtui generates it (secrets.token_hex(24)) after "token=" in a URL.
TOKEN_IN_URL = re.compile(r"token=[0-9a-f]{48}")

WIDE = (200, 50)
SMALL = (80, 24)
MEDIUM = (100, 30)
# The launch animation: seconds each kind of frame stays on screen.
FRAME_SECONDS = {"choose": 2.5, "form": 3.0, "progress": 1.2, "ready": 5.0}


def source_hash(root: Path = ROOT) -> str:
    """sha256 over the path and contents of every *.py and *.tcss file under root/tui, in sorted
    order: it changes whenever the code that draws the pictures changes."""
    digest = hashlib.sha256()
    files = sorted(p for p in (root / "tui").rglob("*")
                   if p.suffix in SOURCE_SUFFIXES and p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def animate(frames: list[tuple[str, float]]) -> str:
    """One SVG that shows Textual's SVG frames one after the other (CSS keyframes switching their
    visibility), looping. Each frame keeps its own styles: Rich prefixes them with an id made from
    the frame's contents. Where CSS animation is off, the last frame shows."""
    total = sum(seconds for _, seconds in frames)
    first = frames[0][0]
    view_box = re.search(r'viewBox="([^"]+)"', first)
    assert view_box, "not a Rich SVG"
    _, _, width, height = view_box.group(1).split()
    css: list[str] = []
    body: list[str] = []
    start = 0.0
    for i, (svg, seconds) in enumerate(frames):
        begin, end = 100 * start / total, 100 * (start + seconds) / total
        start += seconds
        if i == 0:
            steps = f"0% {{ visibility: visible }} {end:.3f}% {{ visibility: hidden }}"
        else:
            steps = (f"0% {{ visibility: hidden }} {begin:.3f}% {{ visibility: visible }} "
                     f"{end:.3f}% {{ visibility: hidden }}")
        css.append(f"@keyframes jtui-frame-{i} {{ {steps} 100% {{ visibility: hidden }} }}\n"
                   f".jtui-frame-{i} {{ animation: jtui-frame-{i} {total:g}s step-end infinite; }}")
        shown = "visible" if i == len(frames) - 1 else "hidden"
        inner = re.sub(r"^<svg ", f'<svg width="{width}" height="{height}" ', svg.strip(), count=1)
        body.append(f'<g class="jtui-frame-{i}" style="visibility: {shown}">\n{inner}\n</g>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}">\n'
            "<!-- jtui launching Jupyter: frames saved by scripts/screenshots.py -->\n"
            f"<style>\n{chr(10).join(css)}\n</style>\n" + "\n".join(body) + "\n</svg>\n")


def leaked_tokens(svg: str, tokens: list[str]) -> list[str]:
    """What in a picture looks like a real token: a token we know of, or 48 hex after token=."""
    text = html.unescape(re.sub(r"<[^>]+>", "", svg))  # the text runs, however Rich split them
    return [t[:6] + "…" for t in tokens if t and t in text] + TOKEN_IN_URL.findall(text)


if __name__ == "__main__":
    import asyncio
    import logging
    import os
    import shutil
    import signal
    import socket
    import subprocess
    import sys
    import tempfile
    import threading
    import time
    import urllib.request
    from collections.abc import Callable
    from typing import cast

    sys.path.insert(0, str(ROOT))

    from textual.pilot import Pilot
    from textual.widgets import Input, ProgressBar

    from tests.rig import LAYERS, REGISTRY, STACK
    from tui.app import JtuiApp, create_app
    from tui.config import AppConfig
    from tui.engine import Engine, EngineError
    from tui.ui.dialogs import FormScreen, JobScreen
    from tui.ui.help_screen import HelpScreen
    from tui.ui.launch_form import LaunchForm

    SCRATCH = Path(tempfile.gettempdir()) / "jtui-screenshots"
    PULL_REF = f"{REGISTRY}/{LAYERS}"

    def say(text: str) -> None:
        print(f"[screenshots] {text}", flush=True)

    def rig_problem() -> str | None:
        """What of the rig is missing, or None."""
        try:
            engine = Engine.connect()
        except EngineError as exc:
            return f"no engine answers ({exc})"
        try:
            if not engine.image_exists(STACK):
                return f"the stack image {STACK} is missing"
        finally:
            engine.close()
        try:
            with urllib.request.urlopen(f"http://{REGISTRY}/v2/{LAYERS.split(':')[0]}/tags/list",
                                        timeout=5) as answer:
                answer.read()
        except OSError as exc:
            return f"the registry {REGISTRY} does not serve {LAYERS} ({exc})"
        return None

    async def until(pilot: Pilot, predicate: Callable[[], object], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out after {timeout:g}s waiting for {what}")
            await pilot.pause(0.05)

    async def picture(app: JtuiApp, pilot: Pilot, toasts: bool = False) -> str:
        """The screen as SVG; without the passing notifications unless asked for."""
        if not toasts:
            app.clear_notifications()
        await pilot.pause(0.2)
        return app.export_screenshot()

    def config(**kwargs: object) -> AppConfig:
        # The catalog points at the rig's registry; tokens are drawn masked (u/o use the real one).
        return AppConfig(resync_seconds=3600, registry=f"{REGISTRY}/jupyter", mask_tokens=True,
                         **kwargs)  # type: ignore[arg-type]

    class Session:
        """What one run made: pictures, the launch's frames, the names of containers to remove."""

        def __init__(self) -> None:
            self.shots: dict[str, str] = {}
            self.frames: list[tuple[str, str]] = []  # (kind, svg)
            self.created: list[str] = []
            self.tokens: list[str] = []
            self.pulled: list[str] = []  # image references to untag at the end

    async def launch_and_shoot(engine: Engine, run: Session) -> None:
        app: JtuiApp = create_app(config())
        stack_id = engine.inspect_image(STACK).id
        async with app.run_test(size=MEDIUM, notifications=True) as pilot:
            await until(pilot, lambda: app.connected and stack_id in app.images.images, 30,
                        "the engine's images")
            await pilot.pause(0.3)
            # Choose the stack as a user does: 2 for the images pane, then the arrow keys.
            await pilot.press("2")
            await until(pilot, lambda: app.images.has_focus, 5, "the images pane")
            await pilot.press("g")
            for _ in range(app.images.get_row_index(stack_id)):
                await pilot.press("j")
            assert app.images.selected_key == stack_id, "the stack's row is not under the cursor"
            run.frames.append(("choose", await picture(app, pilot)))

            await pilot.press("l")
            await until(pilot, lambda: isinstance(app.screen, LaunchForm), 10, "the launch form")
            form = cast(LaunchForm, app.screen)
            run.created.append(form.query_one("#name", Input).value)
            await pilot.pause(0.5)  # the field checks (port, folder) run in threads
            run.shots["launch-form"] = await picture(app, pilot)
            run.frames.append(("form", run.shots["launch-form"]))

            say(f"launching {run.created[-1]} from {STACK}")
            started = time.monotonic()
            await pilot.press("ctrl+l")
            last_status = ""
            while app.main.last_launch is None:
                if form.failure:
                    raise RuntimeError(f"the launch failed: {form.failure}")
                if app.screen is form:
                    status = str(form.query_one("#status").render())
                    if status and status != last_status:
                        last_status = status
                        run.frames.append(("progress", app.export_screenshot()))
                if time.monotonic() - started > 180:
                    raise RuntimeError("the launch did not finish in 180 s")
                await pilot.pause(0.1)
            result = app.main.last_launch
            run.tokens.append(result.server.token)
            cid = result.container_id
            say(f"Jupyter answered after {time.monotonic() - started:.1f}s")
            await until(pilot, lambda: app.containers.selected is not None
                        and app.containers.selected.id == cid, 10, "the new container selected")
            await pilot.press("1")  # the containers pane has the focus, as after any key there
            # Jupyter's own lines in the logs pane.
            await pilot.pause(2.0)
            run.frames.append(("ready", await picture(app, pilot, toasts=True)))

            for name, size in (("main-screen", WIDE), ("main-screen-80x24", SMALL)):
                await pilot.resize_terminal(*size)
                await pilot.pause(0.5)
                run.shots[name] = await picture(app, pilot)
            await pilot.resize_terminal(*MEDIUM)
            await pilot.pause(0.3)

            # x: a command in the Jupyter container, its output live.
            await pilot.press("1", "x")
            await until(pilot, lambda: isinstance(app.screen, FormScreen), 10, "the command form")
            app.screen.query_one("#field-command", Input).value = "pip list"
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, JobScreen), 10, "the output window")
            out = app.screen
            assert isinstance(out, JobScreen)
            await until(pilot, lambda: out.finished, 60, "pip list to finish")
            run.shots["run-command"] = await picture(app, pilot)
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, JobScreen), 5, "the window to close")

            await pilot.press("question_mark")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen), 5, "the help")
            run.shots["help"] = await picture(app, pilot)
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, HelpScreen), 5, "the help to close")

            await shoot_pull(app, pilot, engine, run)

    class SlowRegistry:
        """A TCP relay to the rig's registry that passes at most `rate` bytes a second back: from
        a registry on the same machine a pull is over in a second, too fast to catch mid-way. The
        pull is real (the engine pulls through it, layers, bytes, extraction); only slower."""

        def __init__(self, rate: int = 4_000_000) -> None:
            self.rate = rate
            self.lock = threading.Lock()
            self.free_at = 0.0
            self.sockets: list[socket.socket] = []
            try:  # the port is in the picture: the same one each time if it is free
                self.server = socket.create_server(("127.0.0.1", 5050))
            except OSError:
                self.server = socket.create_server(("127.0.0.1", 0))
            self.port = self.server.getsockname()[1]
            threading.Thread(target=self._accept, daemon=True).start()

        def _accept(self) -> None:
            while True:
                try:
                    client, _ = self.server.accept()
                except OSError:
                    return
                host, port = REGISTRY.split(":")
                upstream = socket.create_connection((host, int(port)))
                self.sockets += [client, upstream]
                threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
                threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

        def _pump(self, source: socket.socket, target: socket.socket, slow: bool) -> None:
            try:
                while chunk := source.recv(16384):
                    if slow:
                        with self.lock:
                            now = time.monotonic()
                            self.free_at = max(self.free_at, now) + len(chunk) / self.rate
                            wait = self.free_at - now
                        time.sleep(max(0.0, wait))
                    target.sendall(chunk)
            except OSError:
                pass
            finally:
                for s in (source, target):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        def close(self) -> None:
            self.server.close()
            for s in self.sockets:
                s.close()

    async def shoot_pull(app: JtuiApp, pilot: Pilot, engine: Engine, run: Session) -> None:
        # Layer progress shows only for layers the engine lacks: drop both tags of the image
        # (restore_rig puts them back).
        for ref in (PULL_REF, LAYERS):
            try:
                engine.remove_image(ref)
            except EngineError as exc:
                say(f"could not remove {ref} before the pull ({exc}); its progress may be short")
        relay = SlowRegistry()
        ref = f"127.0.0.1:{relay.port}/{LAYERS}"
        run.pulled.append(ref)
        try:
            app.clear_notifications()
            await pilot.pause(0.5)
            await pilot.press("2", "p")
            await until(pilot, lambda: isinstance(app.screen, FormScreen), 10, "the pull form")
            app.screen.query_one("#field-reference", Input).value = ref
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, JobScreen), 10, "the pull window")
            out = app.screen
            assert isinstance(out, JobScreen)
            bar = out.query_one("#output-progress", ProgressBar)
            seen: list[tuple[float, str]] = []
            shown = -1.0
            started = time.monotonic()
            while not out.finished:
                fraction = bar.progress or 0.0
                if fraction != shown:
                    shown = fraction
                    seen.append((fraction, app.export_screenshot()))
                if time.monotonic() - started > 120:
                    raise RuntimeError("the pull did not finish in 120 s")
                await pilot.pause(0.05)
        finally:
            relay.close()
        midway = [s for s in seen if 0 < s[0] < 1]
        if midway:
            fraction, svg = min(midway, key=lambda s: abs(s[0] - 0.5))
            say(f"pull: {len(midway)} frames in progress, kept the one at {fraction:.0%}; "
                f"{out.result} in {time.monotonic() - started:.1f}s")
        else:
            # The engine still had the layers (an image or a container holds them): no progress.
            svg = seen[-1][1] if seen else await picture(app, pilot)
            say(f"WARNING: the pull showed no progress ({out.result}); pull.svg shows its end. "
                f"Is {LAYERS} in use by a container?")
        run.shots["pull"] = svg
        await pilot.press("escape")

    async def shoot_unreachable(run: Session) -> None:
        socket = SCRATCH / "no-such-engine.sock"
        app = create_app(config(host=f"unix://{socket}"))
        async with app.run_test(size=MEDIUM, notifications=True) as pilot:
            await until(pilot, lambda: app.main.offline.display, 30, "the engine-unreachable panel")
            run.shots["engine-unreachable"] = await picture(app, pilot)

    def restore_rig(engine: Engine, pulled: list[str]) -> None:
        """Put back the rig's tags of the image the pull removed, and drop the tag it pulled."""
        for ref in (LAYERS, PULL_REF):
            source = next((r for r in (LAYERS, PULL_REF, *pulled) if engine.image_exists(r)), None)
            if source is not None and not engine.image_exists(ref):
                repository, _, tag = ref.rpartition(":")
                engine.api.tag(source, repository, tag)
        for ref in pulled:
            if engine.image_exists(ref):
                engine.remove_image(ref)

    def remove_created(engine: Engine, names: list[str]) -> None:
        for name in names:
            try:
                engine.api.remove_container(name, force=True)
                say(f"removed container {name}")
            except Exception as exc:  # not there (the launch failed early) is fine
                if "No such container" not in str(exc):
                    say(f"could not remove container {name}: {exc}")

    def write(run: Session) -> None:
        pictures = dict(run.shots)
        frames = [(svg, FRAME_SECONDS[kind]) for kind, svg in run.frames]
        pictures["launch"] = animate(frames)
        leaks = {name: found for name, svg in pictures.items() if (found := leaked_tokens(svg, run.tokens))}
        if leaks:
            raise RuntimeError(f"a token is visible in {leaks}: nothing written")
        OUT.mkdir(exist_ok=True)
        for old in OUT.glob("*.svg"):
            if old.stem not in pictures:
                old.unlink()
                say(f"removed the old picture {old.name}")
        for name, svg in sorted(pictures.items()):
            (OUT / f"{name}.svg").write_text(svg, encoding="utf-8")
            say(f"wrote screenshots/{name}.svg")
        (OUT / HASH_FILE).write_text(source_hash(ROOT) + "\n", encoding="utf-8")
        say(f"wrote screenshots/{HASH_FILE}")

    def main() -> int:
        # Textual's run_test leaves SIGTERM alone: turn it into an exception so cleanup runs.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        logging.getLogger().addHandler(logging.NullHandler())  # the app's warnings stay off stderr
        problem = rig_problem()
        if problem:
            say(f"{problem}: running tests/rig/setup.sh")
            subprocess.run(["bash", str(ROOT / "tests" / "rig" / "setup.sh")], check=True)
            problem = rig_problem()
            if problem:
                say(f"the rig is still not ready: {problem}")
                return 1
        hash_before = source_hash(ROOT)
        engine = Engine.connect()
        others = sorted(c.name for c in engine.list_containers())
        if others:
            say(f"note: the engine has {len(others)} other container(s), which will be in the "
                f"pictures: {', '.join(others[:8])}{' …' if len(others) > 8 else ''}")
        shutil.rmtree(SCRATCH, ignore_errors=True)
        folder = SCRATCH / "notebooks"
        folder.mkdir(parents=True)
        # Never the developer's own settings, recent launches or folders: the launch form
        # offers the current folder, so it is a scratch one.
        os.environ["JTUI_STATE_DIR"] = str(SCRATCH / "state")
        cwd = os.getcwd()
        os.chdir(folder)
        run = Session()
        try:
            asyncio.run(launch_and_shoot(engine, run))
            asyncio.run(shoot_unreachable(run))
        finally:
            os.chdir(cwd)
            remove_created(engine, run.created)
            try:
                restore_rig(engine, run.pulled)
            except EngineError as exc:
                say(f"could not restore the rig's {LAYERS}: {exc}")
            engine.close()
            shutil.rmtree(SCRATCH, ignore_errors=True)
        if source_hash(ROOT) != hash_before:
            say("tui/ changed while the pictures were made: run the script again")
            return 1
        write(run)
        if others:
            say(f"note: {len(others)} container(s) of others were on the engine and are in the pictures")
        return 0

    sys.exit(main())
