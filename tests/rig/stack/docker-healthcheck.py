"""The docker-stacks healthcheck: find the running server's json and GET its /api."""
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

# As upstream: the runtime folder of /home/$NB_USER, whoever the check runs as (root when the
# container was started as root). With NB_USER=root the server's HOME is /root (start.sh switches
# like `sudo --set-home`), so upstream's check finds nothing there either: such containers stay
# "unhealthy" although Jupyter answers.
home = str(Path("/home") / os.environ.get("NB_USER", "jovyan"))
runtime = Path(subprocess.check_output(["jupyter", "--runtime-dir"], text=True,
                                       env={**os.environ, "HOME": home}).strip())
servers = sorted(runtime.glob("*server-*.json"), key=os.path.getmtime) if runtime.exists() else []
if not servers:
    sys.exit(1)
url = json.loads(servers[-1].read_text())["url"]
urlopen(url.rstrip("/") + "/api", timeout=2).read()
