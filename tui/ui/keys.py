"""Every key table jtui shows, from one source: the classes' BINDINGS with the user's keymap applied.

The help screen, the command palette and README's "Keys" table are all made from `key_rows`, so
none of them can fall behind the bindings; `check_keymap` turns a `[keymap]` from the settings
file into the entries that can be applied and the problems, in the user's words, of the rest.
Nothing here needs a running App. `python -m tui.ui.keys` prints README's table (`--write FILE`
updates it in place, `--check FILE` fails when it has drifted).
"""

from __future__ import annotations

import argparse
import difflib
import itertools
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import KEY_NAME_REPLACEMENTS, KEY_TO_UNICODE_NAME, REPLACED_KEYS, Keys
from textual.screen import ModalScreen

README_START = "<!-- keys:start -->"
README_END = "<!-- keys:end -->"

# The modifiers Textual reports, in the order it writes them (sorted: "alt+shift+a", "ctrl+shift+up").
MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")
_MODIFIER_DISPLAY = {"ctrl": "Ctrl", "alt": "Alt", "shift": "Shift", "super": "Super", "meta": "Meta",
                     "hyper": "Hyper"}
_DISPLAY_ORDER = ("ctrl", "alt", "shift", "super", "meta", "hyper")
# Names people write that Textual spells otherwise (and the display names we show them).
KEY_ALIASES = {"esc": "escape", "return": "enter", "del": "delete", "ins": "insert", "pgup": "pageup",
               "pgdn": "pagedown", "spacebar": "space"}
_BASE_DISPLAY = {"escape": "Esc", "space": "Space", "enter": "Enter", "tab": "Tab",
                 "backspace": "Backspace", "delete": "Del", "insert": "Ins", "home": "Home", "end": "End",
                 "pageup": "PgUp", "pagedown": "PgDn", "up": "↑", "down": "↓", "left": "←", "right": "→"}
# The arrows as the help screen shows them, so what it shows can be typed back into [keymap].
_ARROWS = {"↑": "up", "↓": "down", "←": "left", "→": "right"}
KEY_EXAMPLES = '"q", "Q", "ctrl+q", "f2", "escape", "question_mark" or "?"'
# Actions that move around or close a window: keys, not commands worth a palette entry.
_NAVIGATION = re.compile(r"^(cursor_|scroll_|page_|focus_next|focus_previous|select_cursor|dismiss|"
                         r"cancel|close|copy_text)")


@dataclass(frozen=True)
class KeyRow:
    where: str  # the scope the keys work in, as the source names it ("everywhere", "logs")
    keys: str  # for display: "Ctrl+R", "?", "S", "j / ↓"
    description: str
    action: str  # as bound, relative to the source's node ("toggle_wrap", "app.pull_image")
    binding_id: str | None  # what `[keymap]` names
    show_in_palette: bool


@dataclass
class _Bound:
    """One binding as a class ends up with it: the keys it still has after Textual's merge of the
    class hierarchy (a subclass binding on the same key replaces the base's)."""
    binding: Binding
    owner: type  # the class whose BINDINGS holds it
    keys: list[str]  # normalized key names


# --- key names ----------------------------------------------------------------------------------
def _character_key(character: str) -> str:
    """Textual's name for the key that types `character` ("?" -> "question_mark", "a" -> "a")."""
    if character.isalnum():
        return character
    try:
        name = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return character
    return KEY_NAME_REPLACEMENTS.get(name, name)


def _name_character(name: str) -> str | None:
    """The printable character a key name stands for ("slash" -> "/"), if any. Textual names a
    character by its Unicode name with spaces and hyphens both made "_", so try both."""
    original = REPLACED_KEYS.get(name, name)
    if original in KEY_TO_UNICODE_NAME:
        candidates: Iterable[str] = [KEY_TO_UNICODE_NAME[original]]
    else:
        words = original.upper().split("_")
        if len(words) > 12 or not all(words):
            return None
        candidates = ("".join(w + sep for w, sep in zip(words, (*seps, ""), strict=True))
                      for seps in itertools.product(" -", repeat=len(words) - 1))
    for candidate in candidates:
        try:
            character = unicodedata.lookup(candidate)
        except KeyError:
            continue
        if len(character) == 1 and character.isprintable():
            return character
    return None


def _known_names() -> frozenset[str]:
    names = set(KEY_ALIASES.values())
    for key in Keys:
        base = key.value.rsplit("+", 1)[-1]
        if len(base) > 1 and re.fullmatch(r"[a-z0-9_]+", base):
            names.add(base)
    names.update(_character_key(chr(c)) for c in range(32, 127))
    names.update(KEY_NAME_REPLACEMENTS.values())
    return frozenset(names)


KNOWN_NAMES = _known_names()


def normalize_key(key: str) -> str | None:
    """The key as Textual names it ("?" -> "question_mark", "Ctrl+R" -> "ctrl+r", "Esc" -> "escape"),
    or None when it is no key Textual can report: a single printable character, a key name, or
    either with alt/ctrl/shift/super/meta/hyper in front."""
    key = key.strip()
    if len(key) == 1:
        return _ARROWS.get(key) or (_character_key(key) if key.isprintable() else None)
    if not key:
        return None
    if key.endswith("++"):  # "ctrl++", as the help screen shows ctrl+plus
        *modifier_parts, base = [*key[:-2].split("+"), "+"]
    else:
        *modifier_parts, base = key.split("+")
    modifiers = sorted({m.strip().lower() for m in modifier_parts})
    if len(modifiers) != len(modifier_parts) or not all(m in MODIFIERS for m in modifiers):
        return None  # unknown or repeated modifier, or an empty part ("ctrl++", "notakey+++")
    base = base.strip()
    if len(base) == 1:
        if not base.isprintable() or base.isspace():
            return None
        # "ctrl+R" is what the help screen shows for ctrl+r: take it to mean that.
        lowered = base.lower()
        single_case = len(lowered) == 1 and lowered.upper() == base.upper()  # not "İ", "ß"
        name = _ARROWS.get(base) or _character_key(lowered if modifiers and single_case else base)
    else:
        name = KEY_ALIASES.get(base.lower(), base.lower())
        if name not in KNOWN_NAMES and _name_character(name) is None:
            return None
    return "+".join([*modifiers, name])


def normalize_keys(keys: str) -> str | None:
    """A comma-separated key list normalized, or None if any of it is not a key."""
    parts = [normalize_key(part) for part in keys.split(",")]
    if not parts or any(part is None for part in parts):
        return None
    return ",".join(part for part in parts if part is not None)


def _one_key_display(key: str) -> str:
    if len(key) == 1:
        return key
    *modifiers, base = key.split("+")
    if not base:  # "ctrl++": a literal plus
        base, modifiers = "+", modifiers[:-1]
    if base in _BASE_DISPLAY:
        shown = _BASE_DISPLAY[base]
    elif re.fullmatch(r"f\d{1,2}", base):
        shown = base.upper()
    elif len(base) == 1:
        shown = base
    else:
        shown = _name_character(base) or base
    if modifiers and len(shown) == 1 and len(shown.upper()) == 1 and shown.upper().lower() == shown:
        shown = shown.upper()
    order = sorted(modifiers, key=lambda m: _DISPLAY_ORDER.index(m) if m in _DISPLAY_ORDER else 99)
    return "+".join([*(_MODIFIER_DISPLAY.get(m, m.capitalize()) for m in order), shown])


def key_display(keys: str) -> str:
    """How a binding's keys are shown: "ctrl+r" -> "Ctrl+R", "question_mark" -> "?",
    "escape" -> "Esc", "j,down" -> "j / ↓"."""
    return " / ".join(_one_key_display(k.strip()) for k in keys.split(",") if k.strip())


# --- bindings of a class -----------------------------------------------------------------------
def _as_binding(item: object) -> Binding | None:
    if isinstance(item, Binding):
        return item
    if isinstance(item, tuple) and len(item) in (2, 3):
        return Binding(*item)
    return None


def _binding_keys(binding: Binding) -> list[str]:
    keys = []
    for key in binding.key.split(","):
        key = key.strip()
        if key:
            keys.append(_character_key(key) if len(key) == 1 else key)
    return keys


def _merged_bindings(cls: type) -> list[_Bound]:
    """The bindings instances of `cls` have, in the way Textual merges BINDINGS down the class
    hierarchy (`DOMNode._merge_bindings`): base classes first, a later binding on the same key
    replaces an earlier class's, `inherit_bindings=False` starts afresh. The class's own bindings
    come first in the result, then its bases', nearest first."""
    dom = issubclass(cls, DOMNode)
    chain: list[type] = []
    for base in reversed(cls.__mro__):
        if dom and not issubclass(base, DOMNode):
            continue  # Textual reads BINDINGS from DOMNode classes only
        if not base.__dict__.get("_inherit_bindings", True):
            chain.clear()
        if "BINDINGS" in base.__dict__:
            chain.append(base)
    bound: list[_Bound] = []
    owner_of_key: dict[str, _Bound] = {}
    for base in chain:
        for item in base.__dict__["BINDINGS"]:
            binding = _as_binding(item)
            if binding is None:
                continue
            entry = _Bound(binding, base, [])
            for key in _binding_keys(binding):
                previous = owner_of_key.get(key)
                if previous is not None and previous.owner is not base and key in previous.keys:
                    previous.keys.remove(key)
                owner_of_key[key] = entry
                if key not in entry.keys:
                    entry.keys.append(key)
            bound.append(entry)
    position = {base: i for i, base in enumerate(reversed(chain))}
    bound.sort(key=lambda b: position[b.owner])  # stable: BINDINGS order within a class
    return [b for b in bound if b.keys]


def _keys_after_keymap(entry: _Bound, keymap: dict[str, str]) -> list[str]:
    binding_id = entry.binding.id
    if binding_id and binding_id in keymap:
        normalized = normalize_keys(keymap[binding_id])
        if normalized:
            return normalized.split(",")
    return entry.keys


def _in_palette(source: type, entry: _Bound) -> bool:
    if entry.binding.system or entry.owner.__module__.split(".")[0] == "textual":
        return False  # Textual's own scrolling / copying keys
    if issubclass(source, ModalScreen):
        return False  # a dialog's keys only mean something inside it
    action = entry.binding.action.split("(")[0].rsplit(".", 1)[-1]
    return not _NAVIGATION.match(action)


def key_rows(sources: Sequence[tuple[str, type]], keymap: dict[str, str]) -> list[KeyRow]:
    """One row per binding with a description, for each (where, class) in `sources`, with `keymap`
    (binding id -> keys, as in the settings' [keymap]) applied; entries that are not keys are
    ignored as `check_keymap` drops them. A binding a class inherits is listed once, under the
    first source that has it (put ("tables", KeyedTable) before the tables that extend it)."""
    rows: list[KeyRow] = []
    listed: set[int] = set()
    for where, cls in sources:
        for entry in _merged_bindings(cls):
            if not entry.binding.description or id(entry.binding) in listed:
                continue
            listed.add(id(entry.binding))
            keys = _keys_after_keymap(entry, keymap)
            shown = (entry.binding.key_display if entry.binding.key_display and keys is entry.keys
                     else key_display(",".join(keys)))
            # The footer has room for a word; the help and the palette say it whole (the tooltip).
            rows.append(KeyRow(where=where, keys=shown,
                               description=entry.binding.tooltip or entry.binding.description,
                               action=entry.binding.action, binding_id=entry.binding.id,
                               show_in_palette=_in_palette(cls, entry)))
    return rows


# --- the user's keymap -------------------------------------------------------------------------
def _shown(value: object, limit: int = 40) -> str:
    """A user's value as it can be quoted in a message: one line, no control bytes, bounded."""
    text = "".join(ch if ch.isprintable() else "?" for ch in str(value))
    return text if len(text) <= limit else text[:limit] + "..."


def _label(entry: _Bound) -> str:
    what = entry.binding.description or entry.binding.action
    return f"{what} ({entry.binding.id})" if entry.binding.id else what


def check_keymap(keymap: dict[str, str],
                 sources: Sequence[tuple[str, type]]) -> tuple[dict[str, str], list[str]]:
    """The part of `keymap` that can be applied (values normalized), and a problem in the user's
    words for each entry dropped: an id no binding has, keys that are not keys, or keys that
    another binding of the same scope already uses. A dropped entry leaves the default keys."""
    problems: list[str] = []
    merged = [(where, cls, _merged_bindings(cls)) for where, cls in sources]
    by_id: dict[str, _Bound] = {}
    for _, _, entries in merged:
        for entry in entries:
            if entry.binding.id:
                by_id.setdefault(entry.binding.id, entry)
    usable: dict[str, str] = {}
    for binding_id, keys in keymap.items():
        if binding_id not in by_id:
            close = difflib.get_close_matches(binding_id, list(by_id), n=3, cutoff=0.5)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            problems.append(f"[keymap] {_shown(binding_id)}: no key binding has this id (ignored).{hint}")
            continue
        normalized = normalize_keys(keys) if isinstance(keys, str) else None
        if normalized is None:
            bad = [part.strip() for part in str(keys).split(",") if normalize_key(part) is None]
            default = key_display(",".join(by_id[binding_id].keys))
            problems.append(f'[keymap] {binding_id} = "{_shown(keys)}": "{_shown(bad[0] if bad else keys)}" '
                            f"is not a key (write e.g. {KEY_EXAMPLES}); keeping {default}.")
            continue
        usable[binding_id] = normalized

    # Clashes: within each class (all the keys one widget answers to, inherited ones included) and
    # within each scope name. Drop the keymap entries involved until none is left.
    scopes: list[tuple[str, list[_Bound]]] = [(where, entries) for where, _, entries in merged]
    for where in dict.fromkeys(where for where, _ in sources):
        together = [e for w, _, entries in merged if w == where for e in entries]
        if len([1 for w, _ in sources if w == where]) > 1:
            scopes.append((where, together))
    reported: set[tuple[str, str]] = set()
    changed = True
    while changed:
        changed = False
        for where, entries in scopes:
            on_key: dict[str, list[_Bound]] = {}
            for entry in entries:
                for key in _keys_after_keymap(entry, usable):
                    group = on_key.setdefault(key, [])
                    if all(other.binding is not entry.binding for other in group):
                        group.append(entry)
            for key, group in on_key.items():
                if len({e.binding.action for e in group}) < 2:
                    continue  # one binding, or several doing the same (quit = "ctrl+q": Textual's too)
                remapped = [e for e in group if e.binding.id in usable]
                shown = key_display(key)
                names = " and ".join(_label(e) for e in group)
                if not remapped:
                    if (where, key) not in reported:  # defaults that clash: a jtui bug, say it once
                        reported.add((where, key))
                        problems.append(f"Two bindings on {shown} in {where}: {names}.")
                    continue
                for entry in remapped:
                    assert entry.binding.id is not None
                    problems.append(f'[keymap] {entry.binding.id} = "{_shown(keymap[entry.binding.id])}": '
                                    f"{shown} is already taken in {where} ({names}); keeping "
                                    f"{key_display(','.join(entry.keys))}.")
                    del usable[entry.binding.id]
                changed = True
                break
            if changed:
                break
    return usable, problems


# --- README --------------------------------------------------------------------------------------
def _code(text: str) -> str:
    text = text.replace("|", "\\|")  # GitHub tables split on | even inside code spans
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def markdown_table(rows: Iterable[KeyRow]) -> str:
    """README's key table: where / key / does, grouped by where (in the order the scopes come)."""
    groups: dict[str, list[KeyRow]] = {}
    for row in rows:
        groups.setdefault(row.where, []).append(row)
    lines = ["| where | key | does |", "|---|---|---|"]
    for where, group in groups.items():
        for i, row in enumerate(group):
            keys = " ".join(_code(k) for k in row.keys.split(" / "))
            description = row.description.replace("|", "\\|")
            lines.append(f"| {where if i == 0 else ''} | {keys} | {description} |")
    return "\n".join(lines) + "\n"


def own_binding_ids(sources: Sequence[tuple[str, type]]) -> set[str]:
    """Ids of the bindings jtui itself declares (not Textual's built-in cursor and focus keys)."""
    return {b.id for _, cls in sources for klass in cls.__mro__
            if klass.__module__.startswith("tui.")
            for item in klass.__dict__.get("BINDINGS", [])
            if (b := _as_binding(item)) is not None and b.id}


def readme_keys_section(sources: Sequence[tuple[str, type]]) -> str:
    """The README's key table with its markers, from the default bindings (no user keymap): the
    keys jtui defines; Textual's own (Tab, arrows, page keys) are in the help screen."""
    ours = own_binding_ids(sources)
    rows = [row for row in key_rows(sources, {}) if row.binding_id in ours]
    return f"{README_START}\n{markdown_table(rows)}{README_END}"


def readme_section_of(text: str) -> str | None:
    """The marked key section of a README's text (markers included), or None if it has none."""
    start = text.find(README_START)
    end = text.find(README_END, start + 1 if start >= 0 else 0)
    if start < 0 or end < 0:
        return None
    return text[start:end + len(README_END)]


def replace_readme_section(text: str, section: str) -> str:
    current = readme_section_of(text)
    if current is None:
        raise ValueError(f"no {README_START} ... {README_END} markers")
    return text.replace(current, section, 1)


def _app_sources() -> list[tuple[str, type]]:
    try:
        from ..app import key_sources
    except ImportError as exc:  # the app, or its key_sources(), is not there (yet)
        raise SystemExit(f"tui.app.key_sources() is needed to list the app's keys: {exc}") from exc
    return key_sources()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui.ui.keys",
                                     description="Print README's key table, made from the bindings.")
    parser.add_argument("--write", metavar="README", help="replace the marked table in this file")
    parser.add_argument("--check", metavar="README", help="exit 1 if this file's table is out of date")
    args = parser.parse_args(argv)
    section = readme_keys_section(_app_sources())
    target = args.write or args.check
    if not target:
        print(section)
        return 0
    path = Path(target)
    text = path.read_text(encoding="utf-8")
    if readme_section_of(text) is None:
        print(f"{path}: no {README_START} ... {README_END} markers", file=sys.stderr)
        return 1
    if args.check:
        if readme_section_of(text) != section:
            print(f"{path}: the key table is out of date; run python -m tui.ui.keys --write {path}",
                  file=sys.stderr)
            return 1
        return 0
    path.write_text(replace_readme_section(text, section), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
