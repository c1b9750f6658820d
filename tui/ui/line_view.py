"""A bounded view of text records (log lines, job output) that formats only the rows on screen
and follows the end until the user scrolls away.

Why not Textual's `Log`: once it holds `max_lines`, dropping lines from the top leaves the screen
unrefreshed while the view sits at the end (Textual 8.2; benchmarks/textual_log_freeze.py shows
it), so a followed flood freezes; it also cleans, splits and measures every line written, seen or
not. Here the records sit in a ring; a row is formatted (cleaned, cut, wrapped) when it is drawn,
and cached while it stays in view.

A search highlights its matches in the rows drawn; which records match is found a chunk at a
time (`search_step`), so a search over a full ring never stalls the screen. Colours a record
asks for (ANSI SGR, with `ansi=True`) and a style per record (`line_class`: stderr, a log level)
are applied when a row is drawn, over the same clean text that is searched and copied.

Follow mode is a state, not a scroll position: it starts on, and only a user's scroll (keys,
mouse wheel, scrollbar) that leaves the end turns it off; reaching the end again, End, or
`follow_end()` turns it back on. Layout changes (a filter box opening, a smaller terminal) keep
the view at the end while it follows.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from re import Pattern
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.geometry import Size
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollDown, ScrollTo, ScrollUp
from textual.selection import Selection
from textual.strip import Strip

from ..log_search import match_spans, matches
from ..logtext import DISPLAY_LIMIT, StyleRun, display_text, styled_display_text, wrap_cells, wrapped_rows

COMPACT_AT = 4096  # dropped index entries tolerated before the index lists are shortened


@dataclass(frozen=True)
class Marker:
    """A line of ours among the records ("… 1,234 lines skipped"): drawn dim, never filtered out."""

    text: str


def record_text(record: Any) -> str:
    """The default format: the record's `text` attribute (LogLine, a job's Line, Marker)."""
    return str(record.text)


def styled_segments(text: str, style: Style, spans: list[tuple[int, int, Style]]) -> list[Segment]:
    """`text` in `style`, with each span's style laid over it (later spans on top)."""
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    segments = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        if start >= end or start >= len(text):
            continue
        piece = style
        for s, e, over in spans:
            if s <= start and end <= e:
                piece = piece + over
        segments.append(Segment(text[start:end], piece))
    return segments


class LineView(ScrollView, can_focus=True):
    """Records in a ring of `max_lines`; rows drawn on demand; follows the end."""

    ALLOW_SELECT = True
    COMPONENT_CLASSES = {"line-view--marker", "line-view--partial", "line-view--stderr",
                         "line-view--warning", "line-view--error", "line-view--critical",
                         "line-view--match", "line-view--match-current"}
    DEFAULT_CSS = """
    LineView {
        background: $surface;
        color: $text;
        overflow-x: auto;
        overflow-y: scroll;
        &:focus {
            background-tint: $foreground 5%;
        }
        & > .line-view--marker {
            color: $text-muted;
            text-style: italic;
        }
        & > .line-view--partial {
            color: $text-muted;
        }
        & > .line-view--stderr {
            color: $text-accent;
        }
        & > .line-view--warning {
            color: $text-warning;
        }
        & > .line-view--error {
            color: $text-error;
        }
        & > .line-view--critical {
            color: $text-error;
            text-style: bold;
        }
        & > .line-view--match {
            color: $foreground;
            background: $warning-muted;
        }
        & > .line-view--match-current {
            color: $background;
            background: $warning;
            text-style: bold;
        }
    }
    """

    follow: var[bool] = var(True)
    """Stick to the end as records arrive; off while the user has scrolled away from it."""

    def __init__(self, *, max_lines: int, format: Callable[[Any], str] = record_text,
                 wrap: bool = False, limit: int = DISPLAY_LIMIT,
                 line_class: Callable[[Any], str | None] | None = None, ansi: bool = False,
                 name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.max_lines = max_lines
        self.limit = limit
        self._format = format
        self._wrap = wrap
        # The component class (without "line-view--") a record is drawn with, e.g. "stderr".
        self._line_class = line_class
        self._ansi = ansi
        self._records: deque[Any] = deque(maxlen=max_lines)
        self._appended = 0  # records ever added: the absolute index of the next one
        self._filter: Callable[[Any], bool] | None = None
        # The rows: absolute indices of the records shown (all, or those the filter keeps), from
        # `_start` on; with wrap, `_ends[i]` is the row count through `_pos[i]`, counted from
        # `_rows_base` (the rows of entries already dropped).
        self._pos: list[int] = []
        self._ends: list[int] = []
        self._start = 0
        self._rows_base = 0
        self._wrap_width = 0
        self._partial: Any | None = None  # a line whose end has not come yet, shown last
        self._partial_rows: list[str] = []
        self._widest = 0  # widest row drawn so far: the horizontal scroll range
        # A record's rows and its colour runs (over the rows joined), by absolute index.
        self._cache: LRUCache[int, tuple[list[str], list[StyleRun]]] = LRUCache(1024)
        # The search: absolute indices of the records shown that match, ascending, found from
        # the oldest up to `_scan_next`; `_current` is the match n/N moved to.
        self._search: Pattern[str] | None = None
        self._hits: list[int] = []
        self._scan_next = 0
        self._current: int | None = None
        # Where the look left off in the ring, kept between steps: a new islice would walk the
        # deque from its start every step. A change to the ring makes it raise: made again then.
        self._scan_iter: Iterator[Any] | None = None
        self._scan_at = 0  # `_appended` when it was made

    # --- what is shown ----------------------------------------------------------------------------
    @property
    def records(self) -> deque[Any]:
        """The records kept, oldest first (read only: change them with extend/clear/rebuild)."""
        return self._records

    @property
    def wrap(self) -> bool:
        return self._wrap

    @wrap.setter
    def wrap(self, value: bool) -> None:
        if value != self._wrap:
            self._wrap = value
            self.rebuild()

    def set_format(self, format: Callable[[Any], str]) -> None:
        """Change how a record becomes text (e.g. with timestamps); rows are made again."""
        self._format = format
        self.rebuild()

    def set_filter(self, keep: Callable[[Any], bool] | None) -> None:
        """Show only the records `keep` accepts (markers always), or all with None."""
        self._filter = keep
        self.rebuild()

    @property
    def row_count(self) -> int:
        return self._entry_rows() + len(self._partial_rows)

    def _entry_rows(self) -> int:
        if self._wrap:
            return self._ends[-1] - self._rows_base if len(self._ends) > self._start else 0
        return len(self._pos) - self._start

    def _text(self, record: Any) -> str:
        return record.text if isinstance(record, Marker) else self._format(record)

    def _keeps(self, record: Any) -> bool:
        return self._filter is None or isinstance(record, Marker) or self._filter(record)

    # --- changing the records -------------------------------------------------------------------
    def extend(self, records: Iterable[Any]) -> None:
        """Add records at the end; the oldest beyond `max_lines` go. Costs nothing per record but
        the filter (when set) and, with wrap, counting its rows."""
        batch = records if isinstance(records, list) else list(records)
        if not batch:
            return
        first_new = self._appended
        self._records.extend(batch)
        self._appended += len(batch)
        dropped = self._appended - len(self._records)  # absolute index of the oldest kept
        skip = max(0, dropped - first_new)  # new records that went at once (a flood)
        new: list[Any] = []
        if self._filter is None:
            self._pos.extend(range(first_new + skip, self._appended))
            if self._wrap:
                new = batch[skip:]
        else:
            keeps, pos = self._keeps, self._pos
            for index, record in enumerate(batch[skip:], first_new + skip):
                if keeps(record):
                    pos.append(index)
                    new.append(record)
        if self._wrap and new:
            self._add_heights(new)
        self._drop_before(dropped)
        self._content_changed()

    def set_partial(self, record: Any | None) -> None:
        """Show `record` after the others until it is replaced (None removes it): a line whose
        end has not arrived yet."""
        if record is None and self._partial is None:
            return
        if record is not None and self._partial is not None \
                and self._text(record) == self._text(self._partial):
            return  # the same line still waits for its end
        self._partial = record
        self._partial_rows = self._rows_of(record) if record is not None and self._keeps(record) else []
        self._content_changed()

    def clear(self) -> None:
        self._records.clear()
        self._partial = None
        self.rebuild()

    def rebuild(self) -> None:
        """Make the row index again from the records (after a change of filter, format, wrap or
        width, or after `records` was changed directly)."""
        # Records are numbered from 0 again: the current match keeps its place in the ring, and
        # the search looks at them all again (what is shown, or how, may have changed).
        current = None if self._current is None else self._current - self._oldest()
        self._appended = len(self._records)
        self._current = current if current is not None and current >= 0 else None
        self._hits = []
        self._scan_next = 0
        self._scan_iter = None
        self._cache.clear()
        self._widest = 0
        self._wrap_width = self._content_width()
        records = self._records
        shown: Iterable[Any] = records
        if self._filter is None:
            self._pos = list(range(len(records)))
        else:
            keeps = self._keeps
            self._pos, kept = [], []
            for i, record in enumerate(records):
                if keeps(record):
                    self._pos.append(i)
                    kept.append(record)
            shown = kept
        self._ends = []
        self._start = 0
        self._rows_base = 0
        if self._wrap:
            self._add_heights(shown)
        partial = self._partial
        self._partial_rows = self._rows_of(partial) if partial is not None and self._keeps(partial) else []
        self._content_changed()

    def _add_heights(self, records: Iterable[Any]) -> None:
        width, limit, text = self._wrap_width, self.limit, self._text
        total = self._ends[-1] if self._ends else self._rows_base
        ends = self._ends
        for record in records:
            total += wrapped_rows(text(record), width, limit)
            ends.append(total)

    def _drop_before(self, dropped: int) -> None:
        """Forget the entries of records that left the ring (absolute index below `dropped`)."""
        hits = self._hits
        if hits and hits[0] < dropped:
            del hits[:bisect_left(hits, dropped)]
        pos, start = self._pos, self._start
        if start < len(pos) and pos[start] < dropped:
            new_start = bisect_left(pos, dropped, start)
            if self._wrap:
                base = self._ends[new_start - 1]
                rows = base - self._rows_base
                self._rows_base = base
            else:
                rows = new_start - start
            self._start = start = new_start
            if not self.follow and rows:
                # A paused view stays on the rows it shows while rows above it go.
                self._set_y(max(0, round(self.scroll_y) - rows))
        if start > COMPACT_AT and start * 2 > len(pos):
            del pos[:start]
            if self._wrap:
                del self._ends[:start]
            self._start = 0

    def _content_changed(self) -> None:
        height = self.row_count
        width = self._wrap_width if self._wrap else max(self._widest, self._content_width())
        self.virtual_size = Size(width, height)
        if self.follow:
            self._stick_to_end()
        # Always repaint: rows under the view change even when the scroll position does not (the
        # very thing Textual's Log misses).
        self.refresh()

    # --- rows -------------------------------------------------------------------------------------
    def _content_width(self) -> int:
        return max(0, self.scrollable_content_region.width)

    def _oldest(self) -> int:
        """The absolute index of the oldest record kept."""
        return self._appended - len(self._records)

    def _rows_of(self, record: Any) -> list[str]:
        return self._layout(record)[0]

    def _layout(self, record: Any) -> tuple[list[str], list[StyleRun]]:
        if self._ansi and not isinstance(record, Marker):
            text, runs = styled_display_text(self._text(record), self.limit)
        else:
            text, runs = display_text(self._text(record), self.limit), []
        return (wrap_cells(text, self._wrap_width) if self._wrap else [text]), runs

    def _layout_cached(self, index: int) -> tuple[list[str], list[StyleRun]]:
        layout = self._cache.get(index)
        if layout is None:
            layout = self._layout(self._records[index - self._oldest()])
            self._cache[index] = layout
        return layout

    def _rows_cached(self, index: int) -> list[str]:
        return self._layout_cached(index)[0]

    def _row(self, y: int) -> tuple[str, Any] | None:
        """The text of row `y` and its record, or None past the end."""
        found = self._row_at(y)
        return None if found is None else (found[0], found[1])

    def _row_at(self, y: int) -> tuple[str, Any, int, int | None] | None:
        """Row `y`: its text, its record, the offset of the row in the record's text, and the
        record's absolute index (None for the partial line); None past the end."""
        if y < 0:
            return None
        entry_rows = self._entry_rows()
        if y >= entry_rows:
            part = y - entry_rows
            if part < len(self._partial_rows):
                offset = sum(len(r) for r in self._partial_rows[:part])
                return self._partial_rows[part], self._partial, offset, None
            return None
        if not self._wrap:
            index = self._pos[self._start + y]
            rows = self._rows_cached(index)
            return rows[0], self._records[index - self._oldest()], 0, index
        absolute = y + self._rows_base
        at = bisect_right(self._ends, absolute, self._start)
        first_row = self._ends[at - 1] if at > self._start else self._rows_base
        index = self._pos[at]
        rows = self._rows_cached(index)
        record = self._records[index - self._oldest()]
        sub = absolute - first_row
        if sub >= len(rows):
            return "", record, 0, index
        return rows[sub], record, sum(len(r) for r in rows[:sub]), index

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.size.width
        base = self.rich_style
        found = self._row_at(row)
        if found is None:
            return Strip.blank(width, base)
        text, record, offset, index = found
        style = base
        if record is self._partial:
            style = base + self.get_component_rich_style("line-view--partial", partial=True)
        elif isinstance(record, Marker):
            style = base + self.get_component_rich_style("line-view--marker", partial=True)
        elif self._line_class is not None and (name := self._line_class(record)) is not None:
            style = base + self.get_component_rich_style(f"line-view--{name}", partial=True)
        cells = cell_len(text)
        if cells > self._widest:
            self._widest = cells
            if not self._wrap and cells > self.virtual_size.width:
                self.call_later(self._content_changed)
        # Styled spans over this row, in row offsets: colours asked for, matches, the selection.
        spans: list[tuple[int, int, Style]] = []
        if index is not None and text:
            for start, end, run_style in self._layout_cached(index)[1]:
                if end > offset and start < offset + len(text):
                    spans.append((max(0, start - offset), min(len(text), end - offset), run_style))
            if self._search is not None and not isinstance(record, Marker):
                name = "line-view--match-current" if index == self._current else "line-view--match"
                found_style = self.get_component_rich_style(name, partial=True)
                full = "".join(self._rows_cached(index)) if self._wrap else text
                for start, end in match_spans(self._search, full):
                    if end > offset and start < offset + len(text):
                        spans.append((max(0, start - offset), min(len(text), end - offset),
                                      found_style))
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(row)) is not None:
            start, end = span
            end = len(text) if end == -1 else end
            spans.append((start, end, self.screen.get_component_rich_style("screen--selection")))
        segments = styled_segments(text, style, spans) if spans else [Segment(text, style)]
        strip = Strip(segments, cells)
        return strip.crop_extend(scroll_x, scroll_x + width, base).apply_offsets(scroll_x, row)

    def lines_between(self, first: int, last: int) -> list[str]:
        """The rows `first` to `last` (exclusive), as drawn."""
        out = []
        for y in range(max(0, first), min(last, self.row_count)):
            found = self._row(y)
            if found is not None:
                out.append(found[0])
        return out

    @property
    def lines(self) -> list[str]:
        """Every row of the records shown, as drawn (formats them all: for tests and copying)."""
        return self.lines_between(0, self.row_count)

    def visible_lines(self) -> list[str]:
        """The rows on screen now."""
        top = self.scroll_offset.y
        return self.lines_between(top, top + self.scrollable_content_region.height)

    def texts(self) -> list[str]:
        """Each record kept as one display line (cleaned and cut, not wrapped, not filtered)."""
        return [display_text(self._text(r), self.limit) for r in self._records]

    def record_text(self, record: Any) -> str:
        """A record as one clean display line (as searched and copied: no escape sequences)."""
        return display_text(self._text(record), self.limit)

    def visible_records(self) -> list[Any]:
        """The records with a row on screen now, oldest first (a wrapped record once)."""
        top = self.scroll_offset.y
        out: list[Any] = []
        for y in range(top, min(top + self.scrollable_content_region.height, self.row_count)):
            found = self._row_at(y)
            if found is not None and (not out or found[1] is not out[-1]):
                out.append(found[1])
        return out

    # --- search -------------------------------------------------------------------------------------
    @property
    def searching(self) -> bool:
        return self._search is not None

    def set_search(self, pattern: Pattern[str] | None) -> None:
        """Highlight `pattern` (None: no search); which records match is found by `search_step`."""
        self._search = pattern
        self._hits = []
        self._scan_next = self._oldest()
        self._scan_iter = None
        self._current = None
        self.refresh()

    def search_step(self, budget: int = 10_000) -> bool:
        """Look at up to `budget` more records for the search; True once all were looked at."""
        pattern = self._search
        if pattern is None:
            return True
        oldest = self._oldest()
        first = max(self._scan_next, oldest)
        if self._scan_iter is None or first != self._scan_next or self._scan_at != self._appended:
            self._scan_iter = islice(self._records, first - oldest, None)
            self._scan_at = self._appended
        search, text, limit, hits = pattern.search, self._text, self.limit, self._hits
        keep = self._filter
        count = 0
        try:
            for count, record in enumerate(islice(self._scan_iter, budget), 1):
                if isinstance(record, Marker) or (keep is not None and not keep(record)):
                    continue
                line = display_text(text(record), limit)
                found = search(line)
                if found is not None and (found.end() > found.start() or matches(pattern, line)):
                    hits.append(first + count - 1)
        except RuntimeError:  # "deque mutated during iteration": made again next step
            self._scan_iter = None
        self._scan_next = first + count
        if self._scan_next >= self._appended:
            self._scan_iter = None  # the next records to come invalidate it anyway
            return True
        return False

    @property
    def search_done(self) -> bool:
        return self._search is None or self._scan_next >= self._appended

    @property
    def match_count(self) -> int:
        """Records shown that match (so far, while `search_done` is False)."""
        return len(self._hits)

    @property
    def match_number(self) -> int | None:
        """Which of the matches (1-based) n/N moved to, if it is still kept."""
        current = self._current
        if current is None:
            return None
        at = bisect_left(self._hits, current)
        return at + 1 if at < len(self._hits) and self._hits[at] == current else None

    def current_match(self) -> Any | None:
        """The record n/N moved to, while it is kept."""
        if self.match_number is None or self._current is None:
            return None
        return self._records[self._current - self._oldest()]

    def goto_match(self, forward: bool = True) -> bool | None:
        """Move the view to the next (previous) match, past the end around to the first (last):
        returns None when nothing matches, True when it went around. Stops following."""
        if self._search is None:
            return None
        while not self.search_step(100_000):
            pass  # a key asked for it: finish the look (a full 200,000-line ring: ~0.2 s)
        hits = self._hits
        if not hits:
            return None
        wrapped = False
        if self.match_number is not None and self._current is not None:
            at = bisect_left(hits, self._current) + (1 if forward else -1)
        else:
            # From the screen: the first match from the top row down, or the last from the
            # bottom row up.
            shown = [row[3] for row in map(self._row_at, self._screen_rows())
                     if row is not None and row[3] is not None]
            if not shown:
                at = 0 if forward else len(hits) - 1
            elif forward:
                at = bisect_left(hits, shown[0])
            else:
                at = bisect_right(hits, shown[-1]) - 1
        if at >= len(hits):
            at, wrapped = 0, True
        elif at < 0:
            at, wrapped = len(hits) - 1, True
        self._current = hits[at]
        self._show_record(self._current)
        return wrapped

    def _screen_rows(self) -> range:
        top = self.scroll_offset.y
        return range(top, min(top + self.scrollable_content_region.height, self.row_count))

    def _show_record(self, index: int) -> None:
        """Scroll so the record with absolute `index` is on screen (a third from the top when it
        was not), and stop following: the user wants to look at it."""
        at = bisect_left(self._pos, index, self._start)
        if self._wrap:
            y = (self._ends[at - 1] if at > self._start else self._rows_base) - self._rows_base
        else:
            y = at - self._start
        self.follow = False
        height = self.scrollable_content_region.height
        top = self.scroll_offset.y
        if not top <= y < top + height:
            self._set_y(max(0, min(y - height // 3, self.max_scroll_y)))
        self.refresh()

    # --- text selection (mouse) ---------------------------------------------------------------------
    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        return selection.extract("\n".join(self.lines)), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    # --- following ---------------------------------------------------------------------------------
    def _stick_to_end(self) -> None:
        if self.scroll_y != self.max_scroll_y:
            self._set_y(self.max_scroll_y)

    def _set_y(self, y: int) -> None:
        # Directly, not scroll_to(): no animation, no deferral, and it is not the user's scroll.
        # The rows shown change, so they are painted again.
        self.set_scroll(None, y)
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.position = y
        self.refresh()

    def follow_end(self) -> None:
        """Go to the end and follow it."""
        self.follow = True
        self._stick_to_end()
        self.refresh()

    def _user_scroll_to(self, y: float) -> None:
        """A scroll the user asked for: follow while it ends at the end, not otherwise."""
        target = max(0, min(round(y), self.max_scroll_y))
        self.follow = target >= self.max_scroll_y
        self.scroll_to(y=target, animate=False)

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size,
                      layout: bool = True) -> bool:
        changed = super()._size_updated(size, virtual_size, container_size, layout)
        if self.follow:
            self._stick_to_end()
        return changed

    def on_resize(self, event: events.Resize) -> None:
        if self._wrap and self._content_width() != self._wrap_width:
            self.rebuild()
        elif self.follow:
            self._stick_to_end()

    def action_scroll_up(self) -> None:
        self._user_scroll_to(self.scroll_y - 1)

    def action_scroll_down(self) -> None:
        self._user_scroll_to(self.scroll_y + 1)

    def action_page_up(self) -> None:
        self._user_scroll_to(self.scroll_y - self.scrollable_content_region.height)

    def action_page_down(self) -> None:
        self._user_scroll_to(self.scroll_y + self.scrollable_content_region.height)

    def action_scroll_home(self) -> None:
        self._user_scroll_to(0)

    def action_scroll_end(self) -> None:
        self.follow_end()

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if event.ctrl or event.shift:
            super()._on_mouse_scroll_up(event)
            return
        event.stop()
        self._user_scroll_to(self.scroll_y - 3)

    def _on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        if event.ctrl or event.shift:
            super()._on_mouse_scroll_down(event)
            return
        event.stop()
        self._user_scroll_to(self.scroll_y + 3)

    def _on_scroll_to(self, message: ScrollTo) -> None:
        # The scrollbar being dragged.
        message.stop()
        if message.x is not None:
            self.scroll_to(x=message.x, animate=False)
        if message.y is not None:
            self._user_scroll_to(message.y)

    def _on_scroll_up(self, event: ScrollUp) -> None:
        event.stop()
        self.action_page_up()

    def _on_scroll_down(self, event: ScrollDown) -> None:
        event.stop()
        self.action_page_down()
