"""Everything that talks to the Docker engine. Plain Python: never imports textual."""

from .client import ContainerSpec, Engine
from .connection import Endpoint, resolve_endpoint
from .errors import (
    BindSourceMissing,
    BuildFailed,
    Cancelled,
    Conflict,
    ContainerNotFound,
    EngineError,
    EngineUnreachable,
    GpuUnavailable,
    ImageInUse,
    ImageNotFound,
    NameInUse,
    NotFound,
    PortInUse,
    PullDenied,
    PullFailed,
    TagNotFound,
)
from .models import (
    BuildResult,
    ContainerDetails,
    ContainerSummary,
    EngineEvent,
    EngineInfo,
    ExecOutput,
    ImageSummary,
    LayerProgress,
    LogLine,
    PortBinding,
    PullProgress,
)
from .refs import ImageRef, parse_reference

__all__ = [
    "BindSourceMissing", "BuildFailed", "BuildResult", "Cancelled", "Conflict", "ContainerDetails",
    "ContainerNotFound", "ContainerSpec", "ContainerSummary", "Endpoint", "Engine", "EngineError",
    "EngineEvent", "EngineInfo", "EngineUnreachable", "ExecOutput", "GpuUnavailable", "ImageInUse",
    "ImageNotFound", "ImageRef", "ImageSummary", "LayerProgress", "LogLine", "NameInUse", "NotFound",
    "PortBinding", "PortInUse", "PullDenied", "PullFailed", "PullProgress", "TagNotFound",
    "parse_reference", "resolve_endpoint",
]
