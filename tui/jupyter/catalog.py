"""The Jupyter Docker Stacks catalog: what each image is, its parent, size and GPU variants."""

from __future__ import annotations

from dataclasses import dataclass

from ..engine import parse_reference

DEFAULT_REGISTRY = "quay.io/jupyter"


@dataclass(frozen=True)
class Stack:
    name: str
    parent: str | None
    description: str
    size_gb: float  # uncompressed, approximate
    gpu_tags: tuple[str, ...] = ()  # tag prefixes of the CUDA variants
    has_jupyter: bool = True
    extra_ports: tuple[int, ...] = ()

    def image(self, registry: str = DEFAULT_REGISTRY, tag: str = "latest") -> str:
        return f"{registry.rstrip('/')}/{self.name}:{tag or 'latest'}"


STACKS: tuple[Stack, ...] = (
    Stack("docker-stacks-foundation", None,
          "conda/mamba, the jovyan user and start.sh; no Jupyter (runs bash)", 0.9,
          has_jupyter=False),
    Stack("base-notebook", "docker-stacks-foundation",
          "JupyterLab and Notebook 7, nothing else", 1.2),
    Stack("minimal-notebook", "base-notebook",
          "base + git, editors and TeX for PDF export", 2.0),
    Stack("scipy-notebook", "minimal-notebook",
          "pandas, scipy, scikit-learn, matplotlib, seaborn and friends", 5.0),
    Stack("r-notebook", "minimal-notebook", "R, IRKernel and the tidyverse", 2.7),
    Stack("julia-notebook", "minimal-notebook", "Julia with IJulia and Pluto", 4.5),
    Stack("tensorflow-notebook", "scipy-notebook", "scipy + TensorFlow (CPU; cuda- tags for GPU)",
          7.7, gpu_tags=("cuda",)),
    Stack("pytorch-notebook", "scipy-notebook", "scipy + PyTorch (CPU; cuda12-/cuda13- tags for GPU)",
          4.3, gpu_tags=("cuda12", "cuda13")),
    Stack("datascience-notebook", "scipy-notebook", "scipy + R + Julia in one image", 8.5),
    Stack("pyspark-notebook", "scipy-notebook", "scipy + Apache Spark and Java (Spark UI on 4040)",
          6.8, extra_ports=(4040,)),
    Stack("all-spark-notebook", "pyspark-notebook", "pyspark + R with sparklyr", 7.5,
          extra_ports=(4040,)),
)

BY_NAME = {stack.name: stack for stack in STACKS}


def find_stack(image_reference: str) -> Stack | None:
    """The catalog entry an image reference belongs to, whatever its registry or tag
    ("quay.io/jupyter/scipy-notebook:2025-01-06", "jupyter/scipy-notebook", "127.0.0.1:5000/...")."""
    return BY_NAME.get(parse_reference(image_reference).name)


def gpu_tag(stack: Stack, tag: str = "latest") -> str | None:
    """The first CUDA variant of `tag` for a stack that has one (e.g. 'cuda12-latest')."""
    if not stack.gpu_tags:
        return None
    return f"{stack.gpu_tags[0]}-{tag}"
