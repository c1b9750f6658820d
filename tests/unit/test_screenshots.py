"""The README's pictures: each one in screenshots/ is shown, each one shown exists, none shows a
real token, and they were made from the current code (screenshots/SOURCE_HASH)."""

import html
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PICTURES = ROOT / "screenshots"
README = ROOT / "README.md"
REGENERATE = "run `.venv/bin/python scripts/screenshots.py` (it needs the test rig) and commit screenshots/"


def _script():
    spec = importlib.util.spec_from_file_location("jtui_screenshots", ROOT / "scripts" / "screenshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # defines functions only: the run is under __main__
    return module


SCRIPT = _script()


def _pictures() -> list[Path]:
    return sorted(p for p in PICTURES.iterdir() if p.is_file() and p.name != SCRIPT.HASH_FILE)


def _shown_in_readme() -> list[str]:
    text = README.read_text(encoding="utf-8")
    markdown = re.findall(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)", text)
    tags = re.findall(r"<img\b[^>]*\bsrc=[\"']([^\"']+)", text)
    return [p for p in markdown + tags if not re.match(r"[a-z]+:", p)]


def _visible_text(svg: str) -> str:
    """What a Rich SVG draws: its text runs, in order (a URL may be split over several)."""
    return html.unescape(re.sub(r"<[^>]+>", "", svg))


def test_there_are_pictures():
    assert [p.name for p in _pictures() if p.suffix == ".svg"], f"screenshots/ is empty: {REGENERATE}"


def test_every_picture_is_shown_in_the_readme():
    shown = set(_shown_in_readme())
    missing = [p.name for p in _pictures() if f"screenshots/{p.name}" not in shown]
    assert not missing, f"in screenshots/ but not shown in README.md: {missing}"


def test_every_picture_the_readme_shows_exists():
    shown = _shown_in_readme()
    assert shown, "README.md shows no picture"
    missing = [p for p in shown if not (ROOT / p).is_file()]
    assert not missing, f"README.md shows pictures that do not exist: {missing}"


def test_no_picture_shows_a_token():
    for path in _pictures():
        text = _visible_text(path.read_text(encoding="utf-8"))
        found = re.findall(r"token=[0-9a-f]{48}", text)
        assert not found, f"{path.name} shows a real token: mask_tokens must be on ({REGENERATE})"


def test_pictures_come_from_the_current_code():
    recorded = (PICTURES / SCRIPT.HASH_FILE).read_text(encoding="utf-8").strip()
    assert recorded == SCRIPT.source_hash(ROOT), f"tui/ changed since the pictures were made: {REGENERATE}"


# --- the script's own logic ----------------------------------------------------------------------

def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_source_hash_follows_the_code_and_nothing_else(tmp_path):
    root = _tree(tmp_path, {"tui/app.py": "a = 1\n", "tui/ui/x.py": "", "tui/app.tcss": "Screen {}\n"})
    before = SCRIPT.source_hash(root)
    assert SCRIPT.source_hash(root) == before
    _tree(root, {"tui/__pycache__/app.cpython-311.pyc": "junk", "tui/notes.txt": "x", "README.md": "x"})
    assert SCRIPT.source_hash(root) == before  # only *.py and *.tcss under tui/ count
    for change in ({"tui/app.tcss": "Screen { color: red; }\n"}, {"tui/ui/x.py": "b = 2\n"},
                   {"tui/ui/new.py": ""}):
        _tree(root, change)
        after = SCRIPT.source_hash(root)
        assert after != before, change
        before = after
    (root / "tui/ui/new.py").rename(root / "tui/ui/renamed.py")
    assert SCRIPT.source_hash(root) != before  # a rename is a change too


def test_a_token_in_a_picture_is_found():
    token = "0123456789abcdef" * 3
    svg = f'<svg><text>http://127.0.0.1:8888/lab?token=</text><text>{token}</text></svg>'
    assert re.findall(r"token=[0-9a-f]{48}", _visible_text(svg))
    assert SCRIPT.leaked_tokens(svg, [])
    assert SCRIPT.leaked_tokens(f"<text>{token}</text>", [token])  # a known token anywhere
    assert not SCRIPT.leaked_tokens("<text>token=0123…</text>", [token])


def test_the_animation_shows_each_frame_in_turn():
    frames = [(f'<svg class="rich-terminal" viewBox="0 0 100 50" xmlns="http://www.w3.org/2000/svg">'
               f"<text>frame {i}</text></svg>", seconds) for i, seconds in enumerate((1.0, 2.0, 1.0))]
    svg = SCRIPT.animate(frames)
    assert svg.count('<svg width="100" height="50"') == 3
    assert 'viewBox="0 0 100 50"' in svg.splitlines()[0]
    # Frame 1 shows from 25% to 75% of a 4 s loop; only the last one shows without animation.
    assert "25.000% { visibility: visible } 75.000% { visibility: hidden }" in svg
    assert svg.count("animation: jtui-frame-") == 3 and "4s step-end infinite" in svg
    assert re.findall(r'class="jtui-frame-(\d)" style="visibility: (\w+)"', svg) == [
        ("0", "hidden"), ("1", "hidden"), ("2", "visible")]
