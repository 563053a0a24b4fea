"""Ours under gunicorn (the repo's gunicorn.conf.py) and Datasette under `datasette serve`."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .prepare import ROOT

BIN = Path(sys.executable).parent
OURS_PORT = 8120
DATASETTE_PORT = 8121
# Generous limits, so Datasette answers every request rather than timing out, and streams a
# CSV of any size. suggest_facets off: its page would otherwise also look for facets to offer.
DATASETTE_SETTINGS = {
    "sql_time_limit_ms": 600_000,
    "facet_time_limit_ms": 600_000,
    "max_returned_rows": 1000,
    "num_sql_threads": 3,
    "allow_csv_stream": "on",
    "max_csv_mb": 0,
    "suggest_facets": "off",
}


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"server on port {port} exited:\n{log.read_text()[-2000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    sys.exit(f"nothing listens on port {port} after {seconds} s; see {log}")


class Server:
    def __init__(self, name: str, command: list[str], port: int, env: dict[str, str]):
        self.name = name
        self.port = port
        self.database = ""  # Datasette's database name in its URLs
        self.log = Path(f"/tmp/gfmd-compare-{name}.log")  # noqa: S108
        with self.log.open("w") as log:
            self.process = subprocess.Popen(  # noqa: S603
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        wait_for_port(port, self.process, self.log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: gunicorn's workers, or Datasette itself."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = [int(pid) for pid in children.read_text().split()] if children.exists() else []
        return pids or [self.process.pid]

    def reset_peak_memory(self) -> None:
        # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux).
        for pid in self.worker_pids():
            Path(f"/proc/{pid}/clear_refs").write_text("5")

    def peak_memory_mb(self) -> float:
        """The largest VmHWM (peak resident set) among the serving processes, in MB."""
        peaks = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return max(peaks)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def collectstatic(env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603
        [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def ours_env(database_url: str, cache_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_", "WEB_", "GFMD_PROCESS"))
    }
    env.update(
        DEBUG="false",
        HTTPS="false",  # plain http on 127.0.0.1
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-not-secret"),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        CACHE_URL=cache_url,
        GUNICORN_BIND=f"127.0.0.1:{OURS_PORT}",
        GUNICORN_ACCESS_LOG="",
        # One worker (with gunicorn.conf.py's threads), so its peak memory is the export's.
        WEB_CONCURRENCY="1",
    )
    return env


def start_ours(database_url: str, cache_url: str) -> Server:
    env = ours_env(database_url, cache_url)
    command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "gfmd_kb.wsgi"]
    return Server("gunicorn", command, OURS_PORT, env)


def start_datasette(path: Path) -> Server:
    settings = [
        arg for name, value in DATASETTE_SETTINGS.items() for arg in ("--setting", name, str(value))
    ]
    # -i: immutable, as a published, read-only file is served.
    command = [
        str(BIN / "datasette"),
        "serve",
        "-i",
        str(path),
        "--host",
        "127.0.0.1",
        "--port",
        str(DATASETTE_PORT),
        *settings,
    ]
    server = Server("datasette", command, DATASETTE_PORT, dict(os.environ))
    server.database = path.stem  # Datasette names a database after its file
    return server


def datasette_versions(server: Server) -> dict:
    import requests

    response = requests.get(f"{server.url}/-/versions.json", timeout=30)
    return json.loads(response.text)
