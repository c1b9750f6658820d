"""jtui: run Jupyter in Docker from a terminal UI, and manage the containers and images around it."""

__version__ = "0.1.0"
