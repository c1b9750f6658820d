"""The stacks catalog, and telling Jupyter containers and images apart by labels and names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.engine import ContainerSummary, ImageSummary
from tui.jupyter.catalog import BY_NAME, DEFAULT_REGISTRY, STACKS, find_stack, gpu_tag
from tui.jupyter.detect import JTUI_LABEL, STACKS_MAINTAINER, is_jupyter_container, is_jupyter_image


def test_catalog_is_a_tree():
    assert len(BY_NAME) == len(STACKS)
    roots = [s for s in STACKS if s.parent is None]
    assert [r.name for r in roots] == ["docker-stacks-foundation"]
    for stack in STACKS:
        seen = set()
        while stack.parent is not None:  # every parent exists, and no cycles
            assert stack.name not in seen
            seen.add(stack.name)
            stack = BY_NAME[stack.parent]


@pytest.mark.parametrize("reference, name", [
    ("quay.io/jupyter/scipy-notebook:2025-01-06", "scipy-notebook"),
    ("jupyter/scipy-notebook", "scipy-notebook"),
    ("scipy-notebook", "scipy-notebook"),
    ("127.0.0.1:5000/jupyter/pytorch-notebook:cuda12-latest", "pytorch-notebook"),
    ("127.0.0.1:5000/jupyter/r-notebook", "r-notebook"),
    ("quay.io/jupyter/base-notebook@sha256:" + "a" * 64, "base-notebook"),
    ("quay.io/jupyter/base-notebook:x@sha256:" + "a" * 64, "base-notebook"),
    ("my/scipy-notebook-plus:1", None), ("scipy-notebook/other", None), ("", None), ("ubuntu", None)])
def test_find_stack(reference, name):
    stack = find_stack(reference)
    assert (stack.name if stack else None) == name


@given(st.sampled_from(STACKS), st.sampled_from(["quay.io/jupyter", "jupyter", "127.0.0.1:5000/jupyter",
                                                 "reg.example.com:443/a/b"]),
       st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True))
def test_find_stack_finds_every_stack_anywhere(stack, registry, tag):
    assert find_stack(stack.image(registry, tag)) is stack


@given(st.text())
def test_find_stack_any_text(text):
    stack = find_stack(text)
    assert stack is None or stack in STACKS


def test_stack_image_and_gpu_tag():
    scipy, torch, tf = BY_NAME["scipy-notebook"], BY_NAME["pytorch-notebook"], BY_NAME["tensorflow-notebook"]
    assert scipy.image() == f"{DEFAULT_REGISTRY}/scipy-notebook:latest"
    assert scipy.image("127.0.0.1:5000/jupyter/", "") == "127.0.0.1:5000/jupyter/scipy-notebook:latest"
    assert gpu_tag(scipy) is None
    assert gpu_tag(torch) == "cuda12-latest" and gpu_tag(tf, "2025-01-06") == "cuda-2025-01-06"


def _container(image="ubuntu", labels=None) -> ContainerSummary:
    return ContainerSummary(id="c", name="n", image=image, labels=labels or {})


def test_is_jupyter_container():
    assert is_jupyter_container(_container(labels={JTUI_LABEL: "lab"}))
    assert is_jupyter_container(_container(labels={"maintainer": STACKS_MAINTAINER}))
    assert is_jupyter_container(_container("quay.io/jupyter/minimal-notebook:2025-01-06"))
    assert not is_jupyter_container(_container("quay.io/jupyter/docker-stacks-foundation"))  # runs bash
    assert not is_jupyter_container(_container("ubuntu", {"maintainer": "someone"}))


def test_is_jupyter_image():
    assert is_jupyter_image(ImageSummary("i", labels={"maintainer": STACKS_MAINTAINER}))
    assert is_jupyter_image(ImageSummary("i", tags=("ubuntu:22.04", "jupyter/r-notebook:x")))
    assert not is_jupyter_image(ImageSummary("i", tags=("quay.io/jupyter/docker-stacks-foundation:latest",)))
    assert not is_jupyter_image(ImageSummary("i"))


@given(st.text(), st.dictionaries(st.text(), st.text()))
def test_detection_any_text(image, labels):
    assert isinstance(is_jupyter_container(_container(image, labels)), bool)
    assert isinstance(is_jupyter_image(ImageSummary("i", tags=(image,), labels=labels)), bool)
