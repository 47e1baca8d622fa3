"""Make sure a Docker engine answers before the demo or the tests: start `dockerd` when it is
installed and we run as root (as CI does), else say in one line how to get one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import docker

LOG = "/tmp/image-bisect-dockerd.log"
HOW = (
    "no Docker engine answers; install one (apt-get install docker.io) and start it (dockerd), "
    "or set DOCKER_HOST to a running engine"
)


def answers() -> bool:
    try:
        return bool(docker.from_env(timeout=5).ping())
    except Exception:  # any failure to reach the engine means the same thing here
        return False


def ensure(wait: float = 60.0) -> str | None:
    """None when an engine answers (started here if need be), else why not."""
    if answers():
        return None
    if not shutil.which("dockerd") or os.geteuid() != 0 or os.environ.get("DOCKER_HOST"):
        return HOW
    with open(LOG, "ab") as log:
        subprocess.Popen(["dockerd"], stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if answers():
            print("image-bisect: started dockerd", file=sys.stderr)
            return None
        time.sleep(1)
    return f"dockerd did not answer within {wait:g}s; see {LOG}"


def main() -> int:
    problem = ensure()
    if problem is None:
        return 0
    print(f"image-bisect: {problem}", file=sys.stderr)
    return 1 if "--required" in sys.argv else 0


if __name__ == "__main__":
    sys.exit(main())
