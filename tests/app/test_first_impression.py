"""Issue 13 as a new user met it: `l` opens the form for what the user chose, and never for an
image without Jupyter; the forms fit at 80x24 with their buttons and keys in view."""

from __future__ import annotations

from textual.widgets import Button, Input

from tests.app.conftest import choose_image, wait_for
from tui.app import create_app
from tui.jupyter.catalog import find_stack
from tui.ui.build_screen import BuildScreen
from tui.ui.launch_form import LaunchForm


async def test_l_without_a_choice_never_opens_a_stack_without_jupyter(engine, config):
    # Seen: images arrived after the catalog was drawn, the cursor sat on the first catalog row
    # (docker-stacks-foundation, no Jupyter) and `l` opened the form for it.
    app = create_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.connected and app.images.images, what="images")
        await pilot.pause()
        assert app.focused is app.containers  # the user has not been to the images pane
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LaunchForm) and app.screen.is_mounted
                       and bool(app.screen.query("#image")), what="form")
        image = app.screen.query_one("#image", Input).value
        stack = find_stack(image)
        assert stack is not None and stack.has_jupyter, image
        await pilot.press("escape")

        # Chosen on purpose: a stack without Jupyter is explained, not launched.
        await pilot.press("2")
        choose_image(app, "catalog:docker-stacks-foundation")
        await pilot.press("l")
        await pilot.pause()
        assert not isinstance(app.screen, LaunchForm)
        assert any("has no Jupyter" in n.message for n in app._notifications)


async def test_forms_fit_at_80x24_with_their_buttons_and_keys(engine, config):
    app = create_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.connected, what="connected")
        await pilot.press("2")
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LaunchForm) and app.screen.is_mounted
                       and bool(app.screen.query("#launch")), what="form")
        await pilot.pause()
        form = app.screen
        # 2 then l at once, before the engine's images arrived: still a stack with Jupyter.
        stack = find_stack(form.query_one("#image", Input).value)
        assert stack is not None and stack.has_jupyter
        launch = form.query_one("#launch", Button)
        # The Launch button and the status line are on screen without scrolling.
        assert 0 <= launch.region.y < 24 and launch.region.height >= 1, launch.region
        assert 0 <= form.query_one("#status").region.y < 24
        assert app.focused is form.query_one("#name", Input)  # focus starts in the first field
        # The footer shows the form's keys, not the main screen's.
        footer_text = " ".join(str(w.render()) for w in form.query("FooterKey"))
        assert "Launch" in footer_text and "Copy docker run" in footer_text, footer_text
        await pilot.press("escape")

        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BuildScreen) and app.screen.is_mounted
                       and bool(app.screen.query("#build-go")), what="build form")
        await pilot.pause()
        build = app.screen
        assert isinstance(app.focused, Input) and app.focused.id == "build-pip"
        assert 0 <= build.query_one("#build-go", Button).region.y < 24
        dialog = build.query_one("#build-dialog").region
        assert abs(dialog.x - (80 - dialog.right)) <= 1, dialog  # centred, not in the top-left corner
        assert build.query_one("#build-extra").region.height >= 3  # room for a few lines


async def test_a_jupyter_that_does_not_answer_yet_says_starting(engine, spec_factory, config):
    # Seen: after S or r the URL was shown 8 s before Jupyter answered, with no "starting" mark.
    # A container whose token jtui knows from its environment (as for jtui's own launches):
    # the URL is known at once, Jupyter answers seconds later.
    from tests.app.conftest import select_container
    from tests.conftest import free_port
    from tests.rig import STACK
    from tui.jupyter.server import new_token

    port = free_port()
    token = new_token()
    c = engine.create_and_start(spec_factory(image=STACK, ports={"8888/tcp": ("127.0.0.1", port)},
                                             environment={"JUPYTER_TOKEN": token}))
    config.mask_tokens = True  # screens are shared on calls: the token is drawn masked
    url = f"http://127.0.0.1:{port}/lab?token={token}"
    app = create_app(config)
    async with app.run_test(size=(170, 50)) as pilot:
        await select_container(app, pilot, c.id)

        def url_cell() -> str:
            return str(app.containers.get_cell(c.id, "url")) if c.id in app.containers._rendered else ""

        # The row says it is ready and where; the details line has the URL, its token masked.
        await wait_for(pilot, lambda: url_cell() == f"ready :{port}", timeout=60,
                       what="ready once it answers")
        details = str(app.main.details.render())
        assert url.replace(token, token[:4] + "…") in details and token not in details
        await pilot.press("u")
        assert app.clipboard == url  # u copies the real one
        # Restart: the row says "starting…" until the new server answers, never a stale URL.
        await pilot.press("r")
        await wait_for(pilot, lambda: url_cell() == "starting…", timeout=30, what="starting after restart")
        assert "is starting" in str(app.main.details.render())
        await wait_for(pilot, lambda: url_cell().startswith("ready :"), timeout=60, what="ready after restart")
        assert "is starting" not in str(app.main.details.render())
