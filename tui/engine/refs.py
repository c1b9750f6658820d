"""Image references ("registry:port/namespace/name:tag@sha256:..."): the one parser of the app."""

from __future__ import annotations

from dataclasses import dataclass

from docker.utils import parse_repository_tag


@dataclass(frozen=True)
class ImageRef:
    """A parsed reference. `tag` and `digest` are None when absent ("" when present but empty,
    so that `str()` gives back exactly the text that was parsed)."""

    repository: str  # with registry and namespace, e.g. "127.0.0.1:5000/jupyter/base-notebook"
    tag: str | None = None
    digest: str | None = None  # e.g. "sha256:0123..."

    @property
    def name(self) -> str:
        """The last path component: "quay.io/jupyter/scipy-notebook:2024" -> "scipy-notebook"."""
        return self.repository.rsplit("/", 1)[-1]

    @property
    def tag_or_latest(self) -> str:
        """The tag the engine uses: "latest" when none is given."""
        return self.tag or "latest"

    def __str__(self) -> str:
        text = self.repository
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text


def parse_reference(ref: str) -> ImageRef:
    """Split a reference into repository, tag and digest. Never raises: any text gives an ImageRef
    whose str() is that text. A ':' before the last '/' belongs to a registry's host:port."""
    # docker-py splits off a digest first; what is left may still carry a tag ("name:tag@sha256:...").
    rest, digest = parse_repository_tag(ref) if "@" in ref else (ref, None)
    # A second '@' is no valid reference: keep it in the repository rather than read a digest twice.
    repository, tag = parse_repository_tag(rest) if "@" not in rest else (rest, None)
    return ImageRef(repository=repository, tag=tag, digest=digest)

