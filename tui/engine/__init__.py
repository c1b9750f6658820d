"""Everything that talks to the Docker engine. Plain Python: never imports textual."""

from .client import ContainerSpec, Engine, split_reference
from .connection import Endpoint, resolve_endpoint
from .errors import (BindSourceMissing, BuildFailed, Cancelled, Conflict, ContainerNotFound,
                     EngineError, EngineUnreachable, GpuUnavailable, ImageInUse, ImageNotFound,
                     NameInUse, NotFound, PortInUse, PullDenied, PullFailed, TagNotFound)
from .models import (BuildResult, ContainerDetails, ContainerSummary, EngineEvent, EngineInfo,
                     ExecOutput, ImageSummary, LayerProgress, LogLine, PortBinding, PullProgress)

__all__ = [name for name in dir() if not name.startswith("_")]
