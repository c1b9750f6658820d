"""Batches of engine changes: merging batches (while the UI is busy) must give the same view as
applying each batch in turn, whatever the order of creates, updates, removals and re-lists."""

from __future__ import annotations

import threading

from hypothesis import given
from hypothesis import strategies as st

from tui.engine import ContainerSummary
from tui.engine.watcher import Changes, PendingChanges

IDS = ["a", "b", "c", "d", "e"]


def summary(cid: str, state: str) -> ContainerSummary:
    return ContainerSummary(cid, f"name-{cid}", "img", state=state)


@st.composite
def batches(draw) -> Changes:
    snapshot = draw(st.booleans())
    upserted = draw(st.lists(st.sampled_from(IDS), unique=True))
    removed = [] if snapshot else [cid for cid in draw(st.lists(st.sampled_from(IDS), unique=True))
                                   if cid not in upserted]
    actions = {cid: tuple(draw(st.lists(st.sampled_from(["create", "start", "die"]), min_size=1,
                                        max_size=3)))
               for cid in upserted + removed}
    states = st.sampled_from(["created", "running", "exited"])
    return Changes(containers={cid: summary(cid, draw(states)) for cid in upserted},
                   removed=set(removed), actions=actions, snapshot=snapshot,
                   images=draw(st.none() | st.just([])))


def apply(view: dict[str, ContainerSummary], changes: Changes) -> dict[str, ContainerSummary]:
    """What the containers pane does with a batch."""
    if changes.snapshot:
        return dict(changes.containers)
    view = {cid: c for cid, c in view.items() if cid not in changes.removed}
    view.update(changes.containers)
    return view


@given(st.lists(batches(), min_size=1, max_size=8))
def test_merged_batches_give_the_same_view_as_each_in_turn(seq):
    merged = Changes()
    for changes in seq:
        merged.merge(changes)
    start = {cid: summary(cid, "paused") for cid in IDS}
    expected = start
    for changes in seq:
        expected = apply(expected, changes)
    assert apply(start, merged) == expected
    # A container never sits in both: the pane applies removals, then updates.
    assert not set(merged.containers) & merged.removed


@given(st.lists(batches(), min_size=1, max_size=8))
def test_merged_actions_keep_every_action_after_the_last_relist(seq):
    merged = Changes()
    for changes in seq:
        merged.merge(changes)
    last = max((i for i, c in enumerate(seq) if c.snapshot), default=-1)
    expected: dict[str, tuple[str, ...]] = {}
    for changes in seq[max(last, 0):]:
        for cid, actions in changes.actions.items():
            expected[cid] = expected.get(cid, ()) + actions
    assert merged.actions == expected


def test_a_container_created_then_removed_is_only_removed():
    merged = Changes(containers={"a": summary("a", "created")}, actions={"a": ("create",)})
    merged.merge(Changes(removed={"a"}, actions={"a": ("destroy",)}))
    assert merged.containers == {} and merged.removed == {"a"}
    assert merged.actions == {"a": ("create", "destroy")}


def test_images_keep_the_newest_list():
    merged = Changes(images=[])
    merged.merge(Changes(containers={"a": summary("a", "running")}))
    assert merged.images == []  # a later batch without image news keeps the list it had


def test_pending_changes_tell_the_ui_once_however_many_batches_wait():
    pending = PendingChanges()
    told = [pending.put(Changes(containers={cid: summary(cid, "running")})) for cid in IDS]
    assert told == [True, False, False, False, False]
    taken = pending.take()
    assert taken is not None and set(taken.containers) == set(IDS)
    assert pending.take() is None
    assert pending.put(Changes(removed={"a"})) is True  # taken: the next batch tells again


def test_pending_changes_lose_nothing_between_threads():
    pending = PendingChanges()
    seen: set[str] = set()
    n = 2000

    def produce() -> None:
        for i in range(n):
            pending.put(Changes(containers={str(i): summary(str(i), "running")}))

    thread = threading.Thread(target=produce)
    thread.start()
    while thread.is_alive() or len(seen) < n:
        taken = pending.take()
        if taken is not None:
            seen |= set(taken.containers)
        elif not thread.is_alive() and len(seen) < n:
            taken = pending.take()
            assert taken is not None, f"lost {n - len(seen)} changes"
            seen |= set(taken.containers)
    assert len(seen) == n
