"""GPUs on the rig's engine, which has none (nor the NVIDIA toolkit): what a user of such an engine
gets is proven here. What a GPU machine would answer is covered by tests/unit/test_gpus.py only."""

import pytest

from tests.rig import STACK, TEST_LABEL
from tui.engine import GpuUnavailable
from tui.engine.gpus import THROWAWAY_LABEL, cached_gpus, list_gpus
from tui.jupyter.gpu_check import NOT_CHECKED, check_gpu


def test_readiness_check_in_the_stack_image(engine, spec_factory):
    """The check's snippet runs in a real Jupyter container by exec, with the container's own
    Python; the rig's stack has neither PyTorch nor TensorFlow, and says so."""
    details = engine.create_and_start(spec_factory(image=STACK))
    check = check_gpu(engine, details.id, STACK)
    assert check.outcome == NOT_CHECKED and not check.warning
    assert check.message == ("GPU not checked: this image has neither PyTorch nor TensorFlow. "
                             "The container has the GPU; your own CUDA code can use it.")


def test_listing_gpus_on_an_engine_without_them_is_the_clear_refusal(engine):
    assert not engine.info.gpu_runtime  # the rig's engine: no NVIDIA runtime
    with pytest.raises(GpuUnavailable) as err:
        list_gpus(engine, STACK, refresh=True)
    assert "could not select device driver" in err.value.message
    assert "NVIDIA Container Toolkit" in err.value.hint
    # Asked once per engine: the refusal is remembered, no second container.
    assert cached_gpus(engine) is err.value
    with pytest.raises(GpuUnavailable) as again:
        list_gpus(engine, STACK)
    assert again.value is err.value
    assert engine.api.containers(all=True, filters={"label": THROWAWAY_LABEL}) == []


def test_picked_gpus_get_the_same_refusal(engine, spec_factory):
    spec = spec_factory(gpu=True, gpu_devices=("0", "1"))
    with pytest.raises(GpuUnavailable) as err:
        engine.create_and_start(spec)
    assert "NVIDIA Container Toolkit" in err.value.hint
    assert [c for c in engine.api.containers(all=True, filters={"label": TEST_LABEL})
            if f"/{spec.name}" in (c.get("Names") or [])] == []
