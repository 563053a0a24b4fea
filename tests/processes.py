"""Helpers for tests that run the site in child processes (the browser tests, the database
outage, the deployment check): the settings are read from the environment at a process's start.

A child reads no `.env` unless the test names one (ENV_FILE): a developer's own file, made for
their `make run`, must not change what a test runs.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(**overrides: str) -> dict[str, str]:
    """This process's environment with ``overrides``, for a child process: no `.env` file
    unless ``ENV_FILE`` is one of them."""
    return {**os.environ, "ENV_FILE": "", **overrides}


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``manage.py`` with these arguments in a child process with ``env`` (and no `.env` file
    unless ``env`` names one)."""
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        manage_command(*args),
        cwd=BASE_DIR,
        env={"ENV_FILE": "", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def manage_or_fail(env: dict[str, str], *args: str) -> None:
    """``manage``, failing the test with the command's output if it fails."""
    result = manage(env, *args)
    if result.returncode != 0:
        pytest.fail(
            f"manage.py {' '.join(args)} exited with {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}",
            pytrace=False,
        )


def local_site(env: dict[str, str], user: tuple[str, str, str]) -> None:
    """Migrate ``env``'s database, load the paper, and create ``user`` (name, group,
    password): a site as `make run` prepares it, with one account to sign in with."""
    manage_or_fail(env, "migrate", "--noinput", "-v0")
    manage_or_fail(env, "load_paper", "-v0")
    name, group, password = user
    manage_or_fail(
        {**env, "SITE_USER_PASSWORD": password},
        *("create_user", name, "--group", group, "--password-from-env", "SITE_USER_PASSWORD"),
    )


def manage_command(*args: str) -> list[str]:
    """``manage.py`` with these arguments, run by this interpreter."""
    return [sys.executable, str(BASE_DIR / "manage.py"), *args]


def start(command: list[str], env: dict[str, str], log) -> subprocess.Popen:
    """``command`` in the project folder, in the background, its output (both streams) into
    the open file ``log``."""
    return subprocess.Popen(  # noqa: S603 (our own interpreter and programs)
        command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
    )


def wait_until_up(url: str, process: subprocess.Popen, log_path: Path, timeout=60) -> None:
    """Return once ``url`` answers (any HTTP status: the tests say what is wrong with it);
    fail the test with the process's log if it exits or stays silent for ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (http://127.0.0.1 only)
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    state = (
        f"exited with {process.returncode}"
        if process.poll() is not None
        else f"did not answer within {timeout} s"
    )
    stop(process)
    log = log_path.read_text(encoding="utf-8", errors="replace")
    pytest.fail(f"the server at {url} {state}. Its output:\n{log}", pytrace=False)


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """TERM, as a service manager stops it; KILL if it is still there after ``timeout`` s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def clone_project(root: Path) -> Path:
    """A fresh clone of the project in ``root``, as a newcomer has it after ``make install``:
    the files git tracks (as they are in the working tree) and ``.venv``, a link to the
    virtualenv running the tests. Its database, media and ``.env`` are its own."""
    venv = Path(sys.prefix)
    installed = venv / ".installed"
    if not installed.exists():
        pytest.fail(f"{venv} has no .installed: run `make install` first", pytrace=False)
    names = subprocess.run(
        ["git", "ls-files", "-z"],  # noqa: S607
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in filter(None, names.split("\0")):
        source = BASE_DIR / name
        if source.is_file():  # a file deleted but not yet committed is not copied
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
    (root / ".venv").symlink_to(venv)
    # The Makefile re-installs when pyproject.toml is newer than .venv/.installed: the clone's
    # copy is dated before the install, which the linked virtualenv has had, so that pip never
    # writes into it (nor points its editable install at the clone).
    before = installed.stat().st_mtime_ns - 1_000_000_000
    os.utime(root / "pyproject.toml", ns=(before, before))
    return root
