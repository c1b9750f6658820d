"""Jupyter logic: the Docker Stacks catalog, launch specs, token, URL and readiness. Never imports textual."""
