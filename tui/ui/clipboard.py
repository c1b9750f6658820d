"""Copying text for the user: the system clipboard through pyperclip where one works, and always
OSC 52, which reaches the user's own terminal over ssh and tmux."""

from __future__ import annotations

import os
import sys
import webbrowser

import pyperclip


def copy_native(text: str) -> str | None:
    """Copy with pyperclip; returns None on success, else why it could not."""
    try:
        pyperclip.copy(text)
    except pyperclip.PyperclipException as exc:
        return str(exc).splitlines()[0] if str(exc) else "no clipboard program (xclip, xsel, wl-copy)"
    except Exception as exc:  # a clipboard helper that crashes must not take the app down
        return str(exc)
    return None


def graphical_browser_available() -> bool:
    """On Linux without a display, webbrowser would pick a console browser (lynx, w3m) that
    fights the TUI for the terminal: treat that as "no browser"."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                or os.environ.get("BROWSER"))


def open_in_browser(url: str) -> str | None:
    """Open `url`; returns None on success, else why not."""
    if not graphical_browser_available():
        return "no graphical browser here (no display): copy the URL with u and open it on your machine"
    try:
        if webbrowser.open(url, new=2):
            return None
    except webbrowser.Error as exc:
        return str(exc)
    return "no browser could be started"
