"""Asking before a prune: what it removes and how much it frees, said before it runs; then the
prune as a job whose notification says what was freed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

from ..engine import Engine
from ..engine.inventory import PrunePlan, prune_job
from ..engine.jobs import Done, Failed
from .dialogs import ConfirmScreen

if TYPE_CHECKING:
    from ..app import JtuiApp

LISTED = 12  # items named in the question at most; the rest are counted
AROUND = 16  # rows the question needs besides its list: its buttons must stay on screen


def prune_question(plan: PrunePlan, listed: int = LISTED) -> str:
    items = list(plan.items[:listed])
    if len(plan.items) > listed:
        items.append(f"… and {len(plan.items) - listed} more")
    body = f"Remove {len(plan.items)} ({plan.title.lower()}): frees {plan.frees_text}.\n\n"
    body += "\n".join(f"  {item}" for item in items)
    return body + (f"\n\n{plan.note}" if plan.note else "")


def ask_and_prune(node: DOMNode, engine: Engine, plan: PrunePlan,
                  after: Callable[[Done | Failed], None] | None = None, *, twice: bool = False) -> None:
    """Confirm (twice when data is deleted for good), then run the prune as a job."""
    app = cast("JtuiApp", node.app)
    if not plan.items:
        app.notify(f"{plan.title}: nothing to remove.", timeout=4)
        return

    def run() -> None:
        app.run_job(prune_job(engine, plan), f"Prune {plan.title.lower()}", on_outcome=after)

    def second(choice: str | None) -> None:
        if choice:
            run()

    def first(choice: str | None) -> None:
        if not choice:
            return
        if not twice:
            run()
            return
        app.push_screen(ConfirmScreen(
            f"Really prune {plan.title.lower()}?",
            f"The data of {len(plan.items)} item(s) ({plan.frees_text}) is deleted for good: "
            "this cannot be undone.", [("really", "Delete them", "error")]), second)

    listed = max(2, min(LISTED, app.size.height - AROUND))
    app.push_screen(ConfirmScreen(f"Prune {plan.title.lower()}", prune_question(plan, listed),
                                  [("prune", "Prune", "error")]), first)
