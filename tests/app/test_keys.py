"""Keyboard-first: panes, filter, toggles, help, palette, keymap, settings problems."""

from tests.app.conftest import row_ids, wait_for
from tui.app import create_app
from tui.config import AppConfig, load_config
from tui.ui.help_screen import HelpScreen


async def test_help_lists_every_binding_with_an_id(config):
    app = create_app(config, live=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = app.screen.rows
        descriptions = {row.description for row in rows}
        for expected in ("Quit", "Filter", "All/running", "Timestamps", "Wrap", "Save log",
                         "Catalog", "Retry engine"):
            assert expected in descriptions
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
    # Every binding of the app and its panes has an id, so the keymap can change it.
    from tui.app import key_sources
    for owner in [cls for _, cls in key_sources()] + [HelpScreen]:
        assert all(b.id for b in owner.BINDINGS), owner


async def test_number_keys_and_tab_move_between_panes(config):
    app = create_app(config, live=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("2")
        assert app.focused is app.images
        await pilot.press("3")
        assert app.focused is app.log_pane.log_view
        await pilot.press("1")
        assert app.focused is app.containers
        await pilot.press("tab")
        assert app.focused is app.images


async def test_filter_and_running_only(engine, spec_factory, config):
    keep = engine.create_and_start(spec_factory(name="zz-filter-keep-" + spec_factory().name[-6:]))
    gone = engine.create_and_start(spec_factory(command=["true"]))
    app = create_app(config)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: keep.id in row_ids(app) and gone.id in row_ids(app))
        await wait_for(pilot, lambda: app.containers.containers[gone.id].state == "exited")
        await pilot.press("a")  # running only
        assert gone.id not in row_ids(app) and keep.id in row_ids(app)
        await pilot.press("a")
        assert gone.id in row_ids(app)
        await pilot.press("slash")
        await pilot.press(*"zz-filter-keep")
        assert row_ids(app) == [keep.id]
        assert "filter 'zz-filter-keep'" in str(app.containers.border_title)
        await pilot.press("enter")
        assert app.focused is app.containers
        await pilot.press("escape")
        assert gone.id in row_ids(app)


async def test_log_filter_timestamps_wrap_and_save(engine, spec_factory, config, tmp_path):
    lines = "; ".join(f"echo {w}-{i}" for i in range(5) for w in ("apple", "pear"))
    d = engine.create_and_start(spec_factory(command=["sh", "-c", f"{lines}; echo {'w' * 300}; sleep 1000"]))
    app = create_app(config)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: d.id in row_ids(app))
        app.containers.move_cursor(row=app.containers.get_row_index(d.id))
        await wait_for(pilot, lambda: "pear-4" in app.log_pane.log_view.lines)
        await pilot.press("3")
        await pilot.press("ampersand")  # / searches; & filters
        await pilot.press(*"apple")
        assert [l for l in app.log_pane.log_view.lines] == [f"apple-{i}" for i in range(5)]
        await pilot.press("enter")
        await pilot.press("t")
        assert all(l[:2] == "20" and l.endswith(tuple(f"apple-{i}" for i in range(5)))
                   for l in app.log_pane.log_view.lines)
        await pilot.press("s")
        saved = list(tmp_path.glob("jtui-*.log"))
        assert len(saved) == 1 and saved[0].read_text().count("apple-") == 5
        await pilot.press("t")
        await pilot.press("escape")
        await pilot.press("3")
        await pilot.press("w")
        width = app.log_pane.log_view.scrollable_content_region.width
        long_parts = [l for l in app.log_pane.log_view.lines if set(l) == {"w"}]
        assert len(long_parts) >= 2 and all(len(p) <= width for p in long_parts)
        # Seen: saving with wrap on wrote the wrapped screen lines; a saved log holds records.
        for old in saved:
            old.unlink()
        app.log_pane.focus()
        await pilot.press("s")
        saved = list(tmp_path.glob("jtui-*.log"))
        assert len(saved) == 1
        assert "w" * 300 in saved[0].read_text().splitlines()


async def test_keymap_from_settings_and_settings_problems(tmp_path, monkeypatch, config):
    path = tmp_path / "config.toml"
    path.write_text('log_tail = "lots"\nnonsense = 1\n[keymap]\nquit = "ctrl+q"\n')
    loaded = load_config(path)
    assert loaded.keymap == {"quit": "ctrl+q"}
    assert any("log_tail" in p for p in loaded.problems)
    assert any("nonsense" in p for p in loaded.problems)
    loaded.resync_seconds = 3600
    app = create_app(loaded, live=False)
    async with app.run_test(size=(160, 48)) as pilot:
        notes = [n.message for n in app._notifications]
        assert any("log_tail" in n for n in notes)
        await pilot.press("q")  # remapped: q no longer quits
        assert app.is_running
        await pilot.press("ctrl+q")
    assert not app.is_running


def test_malformed_settings_file_falls_back_to_defaults(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"registry = [unclosed\n\xff")
    cfg = load_config(path)
    assert cfg.registry == AppConfig().registry
    assert len(cfg.problems) == 1 and str(path) in cfg.problems[0]


async def test_command_palette_comes_from_the_bindings_with_the_keymap(config):
    # Seen: a hand-written palette said "Engine: retry now - Key r" (r restarts a container).
    config.keymap = {"retry-engine": "ctrl+t", "no-such-binding": "x", "quit": "notakey+++",
                     "containers-start": "s"}
    app = create_app(config, live=False)
    async with app.run_test(size=(160, 48)) as pilot:
        commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert commands["Everywhere: Retry engine"] == "Key Ctrl+T"
        assert commands["Logs: Wrap"] == "Key w"
        assert commands["Containers: Start"] == "Key S"  # "s" would clash with Stop: refused
        notes = [n.message for n in app._notifications]
        assert any("no-such-binding" in n for n in notes), notes
        assert any("notakey+++" in n for n in notes), notes
        assert any("containers-start" in n for n in notes), notes
        # A palette command runs the action of its binding.
        app.log_pane.wrap = False
        commands_by_title = {c.title: c for c in app.get_system_commands(app.screen)}
        app.call_later(commands_by_title["Logs: Wrap"].callback)
        await wait_for(pilot, lambda: app.log_pane.wrap, what="wrap through the palette")
        await pilot.press("q")  # "notakey+++" was refused: q still quits
    assert not app.is_running
