"""Is a container (or image) a Jupyter server? From its labels and image name alone."""

from __future__ import annotations

from ..engine import ContainerSummary, ImageSummary
from .catalog import find_stack

JTUI_LABEL = "org.jtui.jupyter"  # set on every container jtui launches
STACKS_MAINTAINER = "Jupyter Project <jupyter@googlegroups.com>"


def is_jupyter_image(image: ImageSummary) -> bool:
    if image.labels.get("maintainer") == STACKS_MAINTAINER:
        return True
    return any(stack is not None and stack.has_jupyter for stack in map(find_stack, image.tags))


def is_jupyter_container(container: ContainerSummary) -> bool:
    if JTUI_LABEL in container.labels:
        return True
    if container.labels.get("maintainer") == STACKS_MAINTAINER:
        return True
    stack = find_stack(container.image)
    return stack is not None and stack.has_jupyter
