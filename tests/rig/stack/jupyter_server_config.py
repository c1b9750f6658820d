# As the stacks' /etc/jupyter/jupyter_server_config.py: every interface inside the container, no
# browser, the port from JUPYTER_PORT. (jupyter_server reads /etc/jupyter for any user.)
import os

c = get_config()  # noqa: F821 (provided by the config loader)
c.ServerApp.ip = "0.0.0.0"
c.ServerApp.open_browser = False
c.ServerApp.port = int(os.environ.get("JUPYTER_PORT", "8888"))
