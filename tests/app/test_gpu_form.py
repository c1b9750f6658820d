"""The launch form's GPU rows on the rig's engine, which has no GPU and no NVIDIA toolkit: the form
says so before the launch, and never blocks while it asks the engine."""

from textual.widgets import Button, Checkbox, Input, Static

from tests.app.conftest import wait_for
from tests.rig import STACK
from tui.app import create_app
from tui.engine import GpuUnavailable
from tui.engine.gpus import cached_gpus
from tui.jupyter.launch import LaunchRequest
from tui.ui.gpu_choice import NO_GPUS, NO_RUNTIME, GpuChoice
from tui.ui.launch_form import LaunchForm


def _text(form, wid: str) -> str:
    return str(form.query_one(f"#{wid}", Static).render())


async def test_gpu_rows_on_an_engine_without_gpus(engine, config):
    app = create_app(config)
    async with app.run_test(size=(170, 50)) as pilot:
        await wait_for(pilot, lambda: app.connected, what="connected")
        form = LaunchForm(LaunchRequest(STACK, "jtui-test-gpu-form"), app.engine,
                          existing_names=set(), ports_in_use=set())
        app.push_screen(form)
        await wait_for(pilot, lambda: app.screen is form and form.is_mounted, what="form")
        choice = form.query_one(GpuChoice)
        assert not choice.display  # GPU unticked: no GPU rows
        assert _text(form, "gpu-list") == NO_RUNTIME  # what the engine's info says, at once

        form.query_one("#gpu", Checkbox).value = True
        await pilot.pause()
        assert choice.display
        # The listing runs in a worker and ends in the engine's refusal, in one line.
        await wait_for(pilot, lambda: _text(form, "gpu-list") == NO_GPUS, timeout=60,
                       what="the GPU listing's answer")
        refusal = cached_gpus(app.engine)  # what the engine said, asked once per connection
        assert isinstance(refusal, GpuUnavailable)
        assert "could not select device driver" in refusal.message
        assert "--gpus all" in _text(form, "command")

        form.query_one("#gpus", Input).value = "0,1"
        await pilot.pause()
        assert "--gpus '\"device=0,1\"'" in _text(form, "command")
        assert form.request is not None and form.request.gpu_devices == ("0", "1")
        assert "gpus" not in form.problems  # nothing listed to check the ids against

        form.query_one("#gpus", Input).value = "zero"
        await pilot.pause()
        assert "'zero' is not a GPU" in _text(form, "error-gpus")
        assert form.query_one("#launch", Button).disabled

        form.query_one("#gpu", Checkbox).value = False
        await pilot.pause()
        assert not choice.display and "gpus" not in form.problems
        assert "--gpus" not in _text(form, "command")
