"""Key tables from bindings (tui.ui.keys): display, merging, the user's keymap, README's table.

Small fake classes with BINDINGS stand in for the app's widgets: nothing here runs an App.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual.binding import Binding
from textual.keys import _character_to_key
from textual.screen import ModalScreen
from textual.widget import Widget

from tui.ui import keys as keys_module
from tui.ui.keys import (
    KNOWN_NAMES,
    README_END,
    README_START,
    KeyRow,
    check_keymap,
    key_display,
    key_rows,
    markdown_table,
    normalize_key,
    readme_keys_section,
    readme_section_of,
)

README = Path(__file__).resolve().parents[2] / "README.md"


class Base(Widget):
    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", id="down"),
        Binding("g", "top", "Top", id="top"),
        ("x", "base_x", "Base x"),  # a tuple, as Textual allows
        Binding("ctrl+c", "copy", ""),  # no description: not listed
    ]


class Pane(Base):
    BINDINGS = [
        Binding("down", "pane_down", "Pane down", id="pane-down"),  # takes "down" from Base's binding
        Binding("x", "pane_x", "Pane x", id="pane-x"),  # replaces Base's x entirely
        Binding("s", "stop", "Stop", id="stop"),
        Binding("S", "start", "Start", id="start"),
        Binding("question_mark", "app.help", "Help", id="help", system=True),
    ]


class Fresh(Base, inherit_bindings=False):
    BINDINGS = [Binding("f", "fresh", "Fresh", id="fresh")]


class Other(Widget):
    BINDINGS = [Binding("s", "save", "Save", id="save"), Binding("w", "wrap", "Wrap", id="wrap")]


class Dialog(ModalScreen[None]):
    BINDINGS = [Binding("escape", "dismiss", "Close", id="dialog-close"),
                Binding("ctrl+l", "go", "Go", id="dialog-go")]


class Plain:  # not a Textual class at all: its BINDINGS are read the same way
    BINDINGS = [("p", "plain", "Plain")]


SOURCES: list[tuple[str, type]] = [("base", Base), ("pane", Pane), ("other", Other)]


def rows_by(rows: list[KeyRow], where: str) -> dict[str, str]:
    return {r.description: r.keys for r in rows if r.where == where}


# --- display -------------------------------------------------------------------------------------
@pytest.mark.parametrize("keys, shown", [
    ("ctrl+r", "Ctrl+R"), ("question_mark", "?"), ("slash", "/"), ("space", "Space"), ("escape", "Esc"),
    ("j,down", "j / ↓"), ("S", "S"), ("s", "s"), ("shift+tab", "Shift+Tab"), ("f5", "F5"),
    ("ctrl+pageup", "Ctrl+PgUp"), ("alt+shift+a", "Alt+Shift+A"), ("enter", "Enter"), ("full_stop", "."),
    ("ctrl+plus", "Ctrl++"), ("escape,q,question_mark", "Esc / q / ?"), ("up", "↑"), ("delete", "Del"),
])
def test_key_display(keys, shown):
    assert key_display(keys) == shown


@pytest.mark.parametrize("written, key", [
    ("q", "q"), ("Q", "Q"), ("?", "question_mark"), ("/", "slash"), ("space", "space"), ("ctrl+q", "ctrl+q"),
    ("Ctrl+R", "ctrl+r"), ("ctrl+R", "ctrl+r"), ("f2", "f2"), ("F2", "f2"), ("escape", "escape"),
    ("Esc", "escape"), ("question_mark", "question_mark"), ("shift+ctrl+up", "ctrl+shift+up"),
    ("ctrl+/", "ctrl+slash"), ("é", "é"), ("↑", "up"), ("PgDn", "pagedown"), ("Ctrl++", "ctrl+plus"),
    ("alt+x", "alt+x"), ("super+c", "super+c"), (" ctrl+q ", "ctrl+q"),
])
def test_normalize_accepts_what_textual_can_report(written, key):
    assert normalize_key(written) == key


@pytest.mark.parametrize("written", [
    "notakey+++", "notakey", "", "   ", "ctrl+", "ctrl++x", "foo+a", "ctrl+ctrl+a", "\x01", "ctrl+notakey",
    "ctrl+ ", "++", "a,b", "ctrl+\t", " ",  # Textual strips keymap values: " " would bind nothing
])
def test_normalize_refuses_what_is_no_key(written):
    assert normalize_key(written) is None


@given(st.characters(blacklist_categories=("Cs",)).filter(
    lambda c: c.isprintable() and not c.isspace() and c not in "↑↓←→"))
def test_a_single_character_is_named_as_textual_names_it(character):
    assert normalize_key(character) == _character_to_key(character)


@given(st.lists(st.sampled_from(["ctrl", "alt", "shift", "super"]), unique=True, max_size=3),
       st.one_of(st.sampled_from(sorted(KNOWN_NAMES)),
                 st.characters(blacklist_categories=("Cs", "Zs", "Cc", "Cf", "Zl", "Zp", "Co", "Cn"))))
def test_what_the_help_screen_shows_can_be_typed_back_into_the_keymap(modifiers, base):
    key = normalize_key("+".join([*modifiers, base]))
    if key is not None:
        assert normalize_key(key_display(key)) == key


@given(st.text(max_size=60))
def test_arbitrary_text_never_raises(text):
    key = normalize_key(text)
    assert key is None or normalize_key(key) == key  # normalizing is idempotent
    key_display(text)


# --- rows from bindings --------------------------------------------------------------------------
def test_rows_follow_textual_merging_of_inherited_bindings():
    rows = key_rows([("pane", Pane)], {})
    pane = rows_by(rows, "pane")
    # Own bindings first, then the inherited ones; Base's "Down" keeps only j (Pane took down), Base's
    # x is gone (Pane bound x), the binding without a description is not listed.
    assert [r.description for r in rows] == ["Pane down", "Pane x", "Stop", "Start", "Help", "Down", "Top"]
    assert pane["Down"] == "j" and pane["Pane down"] == "↓" and pane["Help"] == "?"
    assert "Base x" not in pane
    fresh = key_rows([("fresh", Fresh)], {})
    assert [r.description for r in fresh] == ["Fresh"]  # inherit_bindings=False
    assert key_rows([("plain", Plain)], {}) == [KeyRow("plain", "p", "Plain", "plain", None, True)]


def test_an_inherited_binding_is_listed_under_the_first_source_that_has_it():
    rows = key_rows(SOURCES, {})
    assert rows_by(rows, "base") == {"Down": "j / ↓", "Top": "g", "Base x": "x"}
    assert "Down" not in rows_by(rows, "pane") and "Top" not in rows_by(rows, "pane")
    assert len([r for r in rows if r.binding_id == "top"]) == 1


def test_the_users_keymap_is_applied_by_binding_id():
    rows = key_rows(SOURCES, {"stop": "ctrl+s", "down": "n,ctrl+n", "wrap": "question_mark"})
    assert rows_by(rows, "pane")["Stop"] == "Ctrl+S"
    assert rows_by(rows, "base")["Down"] == "n / Ctrl+N"
    assert rows_by(rows, "other")["Wrap"] == "?"
    assert rows_by(rows, "pane")["Start"] == "S"
    # Not a key: ignored, as check_keymap drops it.
    assert rows_by(key_rows(SOURCES, {"stop": "notakey+++"}), "pane")["Stop"] == "s"


def test_palette_flag():
    rows = {r.binding_id or r.description: r for r in key_rows(
        [("pane", Pane), ("dialog", Dialog), ("other", Other)], {})}
    assert rows["stop"].show_in_palette and rows["save"].show_in_palette
    assert not rows["down"].show_in_palette  # moving the cursor is no command
    assert not rows["help"].show_in_palette  # system binding
    assert not rows["dialog-go"].show_in_palette  # a dialog's keys only work inside it
    assert rows["dialog-close"].keys == "Esc"


# --- the user's keymap ---------------------------------------------------------------------------
def test_unknown_ids_are_reported_with_close_ids():
    usable, problems = check_keymap({"stpo": "t", "zzzzzz": "t"}, SOURCES)
    assert usable == {}
    assert len(problems) == 2
    assert "stpo" in problems[0] and "Did you mean" in problems[0] and "stop" in problems[0]
    assert "zzzzzz" in problems[1] and "Did you mean" not in problems[1]


def test_invalid_key_names_are_dropped_and_the_default_stays():
    usable, problems = check_keymap({"stop": "notakey+++", "start": "ctrl+x,", "wrap": "Ctrl+W"}, SOURCES)
    assert usable == {"wrap": "ctrl+w"}
    assert len(problems) == 2
    assert 'stop = "notakey+++"' in problems[0] and "keeping s." in problems[0]
    assert "start" in problems[1] and "keeping S." in problems[1]
    assert rows_by(key_rows(SOURCES, usable), "pane")["Stop"] == "s"


def test_two_bindings_of_one_scope_on_one_key():
    # start -> s collides with stop's default s: dropped, start keeps S.
    usable, problems = check_keymap({"start": "s"}, SOURCES)
    assert usable == {} and len(problems) == 1
    assert 'start = "s"' in problems[0] and "Stop (stop)" in problems[0] and "keeping S" in problems[0]
    # Swapping two keys is fine.
    usable, problems = check_keymap({"start": "s", "stop": "S"}, SOURCES)
    assert usable == {"start": "s", "stop": "S"} and problems == []
    # Two entries on the same new key: both dropped.
    usable, problems = check_keymap({"stop": "z", "start": "z"}, SOURCES)
    assert usable == {} and len(problems) == 2
    # An inherited binding counts: Pane answers to g through Base.
    usable, problems = check_keymap({"stop": "g"}, SOURCES)
    assert usable == {} and "Top (top)" in problems[0]
    # Two bindings with the same action on one key are no clash (quit = "ctrl+q" beside Textual's own
    # ctrl+q quit); a binding without a description counts like any other.
    app_like = type("AppLike", (Widget,), {"BINDINGS": [
        Binding("q", "quit", "Quit", id="quit"), Binding("ctrl+q", "quit", "Quit too"),
        Binding("ctrl+c", "copy", "")]})
    assert check_keymap({"quit": "ctrl+q"}, [("app", app_like)]) == ({"quit": "ctrl+q"}, [])
    usable, problems = check_keymap({"quit": "ctrl+c"}, [("app", app_like)])
    assert usable == {} and "Ctrl+C is already taken in app (Quit (quit) and copy)" in problems[0]
    # The same key in another scope is no clash.
    usable, problems = check_keymap({"wrap": "S"}, SOURCES)
    assert usable == {"wrap": "S"} and problems == []


def test_sources_sharing_a_scope_name_are_checked_together():
    shared = [("panes", Pane), ("panes", Other)]
    usable, problems = check_keymap({"wrap": "S"}, shared)
    assert usable == {} and "panes" in problems[0]
    _, problems = check_keymap({}, shared)
    assert len(problems) == 1 and "Two bindings on s in panes" in problems[0]  # Stop and Save


def test_messages_quote_values_safely():
    _, problems = check_keymap({"stop": "\x1b[2J" + "x" * 200}, SOURCES)
    assert len(problems) == 1 and "\x1b" not in problems[0] and len(problems[0]) < 400


# --- README --------------------------------------------------------------------------------------
def test_markdown_table_groups_by_where_and_escapes():
    rows = [KeyRow("a", "x", "One | two", "act", None, True), KeyRow("b", "|", "Pipe", "p", None, True),
            KeyRow("a", "j / ↓", "Down", "d", None, True), KeyRow("b", "`", "Tick", "t", None, True)]
    assert markdown_table(rows).splitlines() == [
        "| where | key | does |", "|---|---|---|",
        "| a | `x` | One \\| two |", "|  | `j` `↓` | Down |",
        "| b | `\\|` | Pipe |", "|  | `` ` `` | Tick |"]


def test_readme_section_markers():
    section = readme_keys_section(SOURCES)
    assert section.startswith(README_START + "\n| where | key | does |") and section.endswith(README_END)
    assert readme_section_of(f"intro\n{section}\nafter\n") == section
    assert readme_section_of("no markers") is None


def test_readme_key_table_matches_the_bindings():
    """Fails only when README's table has drifted from the bindings:
    run `python -m tui.ui.keys --write README.md` after changing a binding."""
    from tui.app import key_sources

    text = README.read_text(encoding="utf-8")
    current = readme_section_of(text)
    assert current is not None, f"README.md lost its {README_START} / {README_END} markers"
    wanted = readme_keys_section(key_sources())
    strip = lambda s: [line.rstrip() for line in s.splitlines()]  # noqa: E731
    assert strip(current) == strip(wanted), "run: python -m tui.ui.keys --write README.md"


def test_the_apps_default_bindings_have_no_clashes():
    from tui.app import key_sources

    assert check_keymap({}, key_sources()) == ({}, [])


def test_module_entry_point_writes_and_checks(tmp_path, capsys):
    from tui.app import key_sources

    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{README_START}\nold\n{README_END}\n\nafter\n")
    assert keys_module.main(["--check", str(readme)]) == 1
    assert keys_module.main(["--write", str(readme)]) == 0
    assert keys_module.main(["--check", str(readme)]) == 0
    text = readme.read_text()
    assert text.startswith("# x\n\n") and text.endswith("\n\nafter\n")
    assert readme_section_of(text) == readme_keys_section(key_sources())
    capsys.readouterr()
    assert keys_module.main([]) == 0
    assert capsys.readouterr().out.strip() == readme_keys_section(key_sources())
    (tmp_path / "none.md").write_text("no markers\n")
    assert keys_module.main(["--check", str(tmp_path / "none.md")]) == 1
