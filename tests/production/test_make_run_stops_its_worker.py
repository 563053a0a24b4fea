"""`make run` and `make serve` start the import worker beside the server: stopping the server
stops the worker too, under the /bin/sh that make runs recipes with (dash on Debian)."""

import os
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The stand-in worker sleeps this many seconds: how it is found. This process's own number,
# so that a run of this test in another worker or checkout is never taken for it.
MARK = str(100_000 + os.getpid())


def running_workers() -> list[str]:
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout  # noqa: S607
    return [line for line in ps.splitlines() if line.strip() == f"sleep {MARK}"]


def test_stopping_the_server_stops_its_worker(tmp_path):
    # The Makefile's own recipe, with stand-ins: the "worker" and the "server" sleep.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").write_text(f"#!/bin/sh\nexec sleep {MARK}\n")
    (bin_dir / "python").chmod(0o755)
    probe = tmp_path / "probe.mk"
    probe.write_text(
        f"include {ROOT / 'Makefile'}\nprobe:\n\t$(call with_worker,setsid,sleep 200)\n"
    )
    make = subprocess.Popen(  # noqa: S603
        ["make", "-s", "-f", str(probe), "probe", f"BIN={bin_dir}"],  # noqa: S607
        cwd=ROOT,
        start_new_session=True,
        # As a terminal's Ctrl-C or a service manager would find it: signals not ignored.
        preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL),
    )
    try:
        for _ in range(50):
            if running_workers():
                break
            time.sleep(0.1)
        assert running_workers(), "the worker started"
        os.killpg(make.pid, signal.SIGTERM)  # the server's group stops
        make.wait(timeout=10)
        for _ in range(50):
            if not running_workers():
                break
            time.sleep(0.1)
        assert running_workers() == [], "the worker stopped with the server"
    finally:
        subprocess.run(["pkill", "-f", f"^sleep {MARK}$"], check=False)  # noqa: S603, S607
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
