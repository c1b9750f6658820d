"""Is a container (or image) a Jupyter server? From its labels and image name alone."""

from __future__ import annotations

from ..engine import ContainerSummary, ImageSummary
from .catalog import find_stack

JTUI_LABEL = "org.jtui.jupyter"  # set on every container jtui launches
# uid:gid the notebook server was dropped to ("run as my user" on a container started as root):
# commands and shells jtui runs in it use the same user, so files they make stay the user's.
USER_LABEL = "org.jtui.user"
HOME_LABEL = "org.jtui.home-volume"  # the named volume that keeps /home/jovyan (kept on remove)


def exec_user(container: ContainerSummary) -> str | None:
    """The user `x` and `e` run as in this container: its notebook user when jtui launched it as
    root only to drop to that user; None for the container's own user."""
    return container.labels.get(USER_LABEL) or None
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
