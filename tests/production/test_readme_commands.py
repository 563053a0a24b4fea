"""Every command the README shows works as written, on a fresh clone.

The commands are read from README.md itself: each line of its ```sh blocks, and each inline
code span that is a whole command (it starts with `make`, `cp` or another command of the
shell's, `.venv/bin/`, `.ci/` or a cron schedule, after any `NAME=value`), not a name such as
`manage.py load_paper`. Each must match one of the RULES below, which says how it is run: as
written, from a fresh clone of the project (tests.processes.clone_project) with an environment
holding only PATH, HOME and LANG; a server until it answers HTTP on a free port, then stopped
as Ctrl-C or a service manager stops it, leaving nothing running (its environment also holds
a marker its processes are found by); an interactive command in a terminal, answering its
prompts; a production example with a laptop's settings or in its dry-run form; or not at all,
for the reason given. A command that no rule matches fails, so a
new one is covered from the day it is written; a rule that matches no command fails too.
"""

import contextlib
import fcntl
import os
import pty
import re
import secrets
import select
import signal
import subprocess
import termios
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis

from tests.catalogue.submission_forms import form_data
from tests.processes import BASE_DIR, clone_project, free_port

# The commands run with a laptop's settings (SQLite) whatever database the suite uses: CI's
# SQLite pass runs them, and its PostgreSQL pass does not run them again.
pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the README's commands use the laptop's SQLite: they run in the SQLite pass",
)

PASSWORD = "Tall-harbour-93-lanterns"
# In the environment of every long-running command started here, and so of everything it
# starts: how its processes (and only this run's) are found, whatever their process group.
MARKER = "GFMD_README_RUN"
RUN = secrets.token_hex(4)
CHROMIUM = Path("/usr/bin/chromium")
# A cron line: five schedule fields, then the command.
CRON = r"(?:[\d*/,-]+ +){5}"
# What a code span in the prose starts with when it is a whole command, not a name.
COMMAND = re.compile(
    r"(?:[A-Z_]+=\S+ )*(?:(?:make|cp|cd|git|apt-get|pip|python3?|sudo|psql|curl|sh) |\.venv/bin/"
    r"|\.ci/|\./)|" + CRON + r"\S"
)


def readme_commands(text: str) -> list[str]:
    """The commands README.md shows, each once, in the order it shows them."""
    commands = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, flags=re.M | re.S):
        for line in block.replace("\\\n", " ").splitlines():
            # A comment starts at a `#` that begins a word, as the shell reads it.
            line = re.sub(r"(^|\s)#.*", "", line).strip()
            if line:
                commands.append(line)
    prose = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    for span in re.findall(r"`([^`]+)`", prose):
        span = " ".join(span.split())
        if COMMAND.match(span):
            commands.append(span)
    return list(dict.fromkeys(commands))


COMMANDS = readme_commands((BASE_DIR / "README.md").read_text(encoding="utf-8"))


class Clone:
    """The fresh clone the commands run in, and how they are run."""

    def __init__(self, root: Path):
        self.root = root
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/root"),
            "LANG": os.environ.get("LANG", "C.UTF-8"),
        }
        self.once: dict[str, BaseException | None] = {}

    def run(self, command: str, timeout: int = 180, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 (the README's commands, in a clone of our own)
            ["/bin/sh", "-c", command],
            cwd=self.root,
            env={**self.env, **env},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def ok(self, command: str, **env: str) -> str:
        """Run ``command``; its output, or the test fails with it."""
        result = self.run(command, **env)
        output = result.stdout + result.stderr
        if result.returncode != 0:
            pytest.fail(f"`{command}` exited with {result.returncode}:\n{output}", pytrace=False)
        return output

    def once_only(self, key: str, run: Callable[[], None]) -> None:
        """Run ``run`` the first time, and give its outcome again after that: two README
        commands that differ only in a port are one run."""
        if key not in self.once:
            try:
                run()
                self.once[key] = None
            except BaseException as error:
                self.once[key] = error
        if self.once[key] is not None:
            raise self.once[key]


def marked(marker: str) -> dict[int, str]:
    """The processes whose environment has a variable starting with ``marker``: a command
    started by Started and everything it started, whatever their process group or parent now
    (``MARKER=RUN-name\\0``), or all of this run's (``MARKER=RUN-``). Their command lines by
    process id."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if f"\0{marker}".encode() in b"\0" + (entry / "environ").read_bytes():
                    found[int(entry.name)] = (entry / "cmdline").read_text().replace("\0", " ")
    return found


def kill(processes: dict[int, str]) -> None:
    for pid in processes:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


class Started:
    """A command that runs until it is stopped (a server, a worker), in a process group of
    its own as a terminal or a service manager runs it, its output in a log beside the clone.
    """

    def __init__(self, clone: Clone, command: str, name: str, **env: str):
        self.command = command
        self.marker = f"{MARKER}={RUN}-{name}\0"
        self.log = clone.root.parent / f"{name}.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(  # noqa: S603 (the README's commands, in our clone)
                ["/bin/sh", "-c", command],
                cwd=clone.root,
                env={**clone.env, MARKER: f"{RUN}-{name}", **env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # As a terminal's Ctrl-C or a service manager finds it: signals not ignored.
                preexec_fn=default_signals,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def processes(self) -> dict[int, str]:
        return marked(self.marker)

    def wait_for_http(self, url: str, timeout: int = 120) -> str:
        """The page at ``url`` once the server answers it with 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            with contextlib.suppress(OSError):
                status, body = get(url)
                if status == 200:
                    return body
            time.sleep(0.3)
        pytest.fail(f"{url} did not answer 200 in {timeout}s:\n{self.output()}", pytrace=False)

    def wait_for_output(self, text: str, timeout: int = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"`{self.command}` never said {text!r}:\n{self.output()}")
            time.sleep(0.2)

    def stop(self, sig: signal.Signals) -> None:
        """Send ``sig`` to the command's process group: it, and everything it started, must
        be gone within 30 s (whatever is left is killed, and the test fails)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (self.process.poll() is None or self.processes()):
            time.sleep(0.2)
        kill(left := self.processes())
        self.process.wait()
        if left:
            pytest.fail(
                f"still running 30 s after {sig.name}: {left}\n{self.output()}", pytrace=False
            )


def default_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def take_the_terminal() -> None:
    """Make the pseudo-terminal on standard input the process's controlling terminal, which
    getpass opens as /dev/tty."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (127.0.0.1)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A fresh clone, migrated and with the paper loaded once, as `make run` leaves it."""
    root = clone_project(tmp_path_factory.mktemp("clone").resolve() / "gfmd-kb")
    installed = (root / ".venv" / ".installed").stat().st_mtime_ns
    clone = Clone(root)
    clone.ok("DEBUG=true .venv/bin/python manage.py migrate --noinput -v0")
    clone.ok("DEBUG=true .venv/bin/python manage.py load_paper -v0")
    yield clone
    kill(marked(f"{MARKER}={RUN}-"))  # a test stopped halfway: nothing outlives the module
    assert (root / ".venv" / ".installed").stat().st_mtime_ns == installed, (
        "a command of the clone re-installed the project into the shared virtualenv"
    )


@pytest.fixture(scope="module")
def local_site(clone):
    """`make run PORT=…` on a free port, as the README says to change it, serving until
    test_ctrl_c_stops_make_run_and_its_worker stops it."""
    port = free_port()
    site = Started(clone, f"make run PORT={port}", "make-run")
    site.url = f"http://127.0.0.1:{port}"
    try:
        site.wait_for_http(site.url + "/")
        yield site
    finally:
        kill(site.processes())
        site.process.wait()


# --- How each kind of command is run ------------------------------------------------------------


def as_written(request, command: str) -> None:
    request.getfixturevalue("clone").ok(command)


def with_port(command: str, port: str) -> str:
    """``command`` with ``PORT=port``, in place of the README's port or after it."""
    without = re.sub(r" PORT=\d+", "", command)
    return f"{without} PORT={port}"


def make_run(request, command: str) -> None:
    """`make run` serves the site, on the port it is given, with the import worker beside it
    (Ctrl-C stops both: test_ctrl_c_stops_make_run_and_its_worker)."""
    site = request.getfixturevalue("local_site")
    assert site.command == with_port(command, site.url.rsplit(":", 1)[1])
    assert "practices" in site.wait_for_http(site.url + "/practices/")
    assert any("manage.py db_worker" in line for line in site.processes().values())
    # A practice submitted to it: the email it prints links the status page at the port it
    # serves on, not at another.
    submit_practice(site.url)
    site.wait_for_output(site.url + "/submit/status/")


def submit_practice(site_url: str) -> None:
    """The public form, sent as a browser sends it: with its CSRF cookie and token."""
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    with browser.open(site_url + "/submit/", timeout=10) as page:  # 127.0.0.1
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())[1]
    body = urlencode({**form_data(), "csrfmiddlewaretoken": token}, doseq=True).encode()
    with browser.open(site_url + "/submit/", data=body, timeout=10) as answer:
        assert "/submit/status/" in answer.url


def make_screenshots(request, command: str) -> None:
    """`make screenshots PORT=…` photographs the site that `make run PORT=…` serves."""
    if not CHROMIUM.exists():
        if os.environ.get("GFMD_SKIP_BROWSER") == "1":
            pytest.skip(f"{CHROMIUM} is missing and GFMD_SKIP_BROWSER=1")
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium", pytrace=False)
    clone, site = request.getfixturevalue("clone"), request.getfixturevalue("local_site")

    def photograph():
        shots = clone.root.parent / "shots"
        output = clone.ok(f"{with_port(command, site.url.rsplit(':', 1)[1])} SHOTS={shots}")
        statuses = re.findall(r"^(\S+) /", output, flags=re.M)
        assert statuses and set(statuses) == {"200"}, output
        assert len(list(shots.glob("*.png"))) == len(statuses)

    clone.once_only("make screenshots", photograph)


def converse(clone: Clone, command: str, answers: list[tuple[str, str]]) -> str:
    """Run ``command`` in a terminal, typing each answer once its prompt is shown; what the
    terminal showed, or the test fails with it."""
    terminal, child_end = pty.openpty()
    process = subprocess.Popen(  # noqa: S603 (the README's commands, in our own clone)
        ["/bin/sh", "-c", command],
        cwd=clone.root,
        env={**clone.env, "TERM": "dumb"},
        stdin=child_end,
        stdout=child_end,
        stderr=child_end,
        start_new_session=True,
        preexec_fn=take_the_terminal,
    )
    os.close(child_end)
    shown, answered_up_to, pending = b"", 0, list(answers)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if select.select([terminal], [], [], 0.2)[0]:
                try:
                    data = os.read(terminal, 4096)
                except OSError:  # the command ended: its terminal closed
                    data = b""
                if not data:
                    break
                shown += data
            if pending and (at := shown.find(pending[0][0].encode(), answered_up_to)) >= 0:
                prompt, answer = pending.pop(0)
                answered_up_to = at + len(prompt)
                os.write(terminal, answer.encode() + b"\n")
        returncode = process.wait(timeout=max(1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        returncode = "nothing: it was killed after 120 s"
    finally:
        os.close(terminal)
    text = shown.decode(errors="replace")
    if returncode != 0 or pending:
        pytest.fail(
            f"`{command}` exited with {returncode}; prompts never shown: {pending}\n{text}",
            pytrace=False,
        )
    return text


def make_superuser(request, command: str) -> None:
    shown = converse(
        request.getfixturevalue("clone"),
        command,
        [
            ("Username", "kb-admin"),
            ("Email address: ", "kb-admin@example.org"),
            ("Password: ", PASSWORD),
            ("Password (again): ", PASSWORD),
        ],
    )
    assert "Superuser created successfully." in shown


def create_user(request, command: str) -> None:
    """A password from the environment, or typed twice when asked for."""
    clone = request.getfixturevalue("clone")
    if "--password-from-env" in command:
        output = clone.ok(command)
    else:
        output = converse(clone, command, [("Password: ", PASSWORD), ("(again): ", PASSWORD)])
    assert "Created staff user" in output


# A laptop's stand-in for the production environment of "Running in production": a secret key
# and, as the README's trial on a laptop says, plain HTTP on 127.0.0.1.
def laptop(**env: str) -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        **env,
    }


def redis_needed_but_missing(command: str) -> str | None:
    """The Redis server ``command`` names in CACHE_URL, if it does not answer."""
    if cache := re.search(r"CACHE_URL=(redis://\S+)", command):
        try:
            redis.Redis.from_url(cache[1]).ping()
        except redis.ConnectionError:
            return cache[1]
    return None


def make_serve(request, command: str) -> None:
    """`make serve` as the README tries it on a laptop, on a free port (GUNICORN_BIND): gunicorn
    and its worker answer, and a service manager's TERM stops both. The trial runs as written,
    with the settings in front of it. The production block's own `make serve`, after its
    `export` lines, runs only when the trial cannot (no Redis), with a laptop's settings and
    one gunicorn worker, which a cache of each process's own allows."""
    trials = [c for c in COMMANDS if c != "make serve" and rule_for(c).run is make_serve]
    if missing := redis_needed_but_missing(command):
        pytest.skip(f"needs the Redis server of {missing}, as the README says")
    if command == "make serve" and any(not redis_needed_but_missing(c) for c in trials):
        pytest.skip(f"the README's trial of make serve on a laptop runs it: {trials}")
    port = free_port()
    env = {"GUNICORN_BIND": f"127.0.0.1:{port}"}
    if command == "make serve":
        env.update(laptop(WEB_CONCURRENCY="1"))
    server = Started(request.getfixturevalue("clone"), command, "make-serve", **env)
    try:
        assert "practices" in server.wait_for_http(f"http://127.0.0.1:{port}/practices/")
        assert any("manage.py db_worker" in line for line in server.processes().values())
    finally:
        server.stop(signal.SIGTERM)


def copy_env_example(request, command: str) -> None:
    """The server's `.env`, copied from the example: the settings read every line of it."""
    clone = request.getfixturevalue("clone")
    clone.ok(command)
    try:
        assert (clone.root / ".env").read_text() == (clone.root / ".env.example").read_text()
        clone.ok(".venv/bin/python manage.py check")
    finally:
        (clone.root / ".env").unlink()


def with_production_settings(request, command: str) -> None:
    request.getfixturevalue("clone").ok(command, **laptop())


def worker(request, command: str) -> None:
    """An import worker with the production settings: it starts, and TERM stops it."""
    started = Started(request.getfixturevalue("clone"), command, "worker", **laptop())
    try:
        started.wait_for_output("Starting worker")
    finally:
        started.stop(signal.SIGTERM)


def cron_dry_run(request, command: str) -> None:
    """The cron line's command, from the clone instead of /srv/gfmd, in its --dry-run form,
    with `.env.example` as the server's `.env` (less the services and folders of the
    production host): cron gives a command no other environment."""
    clone = request.getfixturevalue("clone")
    line = re.fullmatch(CRON + r"cd /srv/gfmd && (.+)", command)
    example = (clone.root / ".env.example").read_text()
    elsewhere = re.compile(r"^(DATABASE_URL|CACHE_URL|MEDIA_ROOT)=.*\n", flags=re.M)
    env_file = clone.root / ".env"
    env_file.write_text(elsewhere.sub("", example))
    try:
        clone.ok(f"{line[1]} --dry-run")
    finally:
        env_file.unlink()


@dataclass(frozen=True)
class Rule:
    pattern: str  # a regular expression the whole command matches
    run: Callable[[pytest.FixtureRequest, str], None] | None = None
    reason: str = ""  # why it is not run, when run is None


RULES = [
    # The local site.
    Rule(r"make run( PORT=\d+)?", make_run),
    Rule(r"make screenshots( PORT=\d+)?", make_screenshots),
    Rule(r"make superuser", make_superuser),
    Rule(r"(NEW_PW='[^']+' )?DEBUG=true \.venv/bin/python manage\.py create_user .+", create_user),
    Rule(r"DEBUG=true \.venv/bin/python manage\.py revert_to_paper", as_written),
    # Brings the French and Spanish catalogues up to date with the code (in the clone).
    Rule(r"DEBUG=true \.venv/bin/python manage\.py makemessages -l fr -l es .+", as_written),
    Rule(r"make lint", as_written),
    # Production examples.
    Rule(
        r"export .+",
        reason="the production environment (db.internal, cache.internal, mail.example.org "
        "exist only there): the commands after it run with a laptop's settings instead",
    ),
    Rule(r"([A-Z_]+=\S+ )*make serve", make_serve),
    Rule(r"cp \.env\.example \.env", copy_env_example),
    Rule(r"\.venv/bin/python manage\.py load_paper", with_production_settings),
    Rule(r"make worker|\.venv/bin/python manage\.py db_worker --no-reload", worker),
    Rule(CRON + r"cd /srv/gfmd && \.venv/bin/python manage\.py \w+", cron_dry_run),
    # Not run.
    Rule(
        r"([A-Z_]+=\S+ )*make test|\.ci/run",
        reason="runs the whole test suite, this test included (CI runs it)",
    ),
    Rule(
        r"\.venv/bin/pip install .+",
        reason="installs packages from PyPI into the virtualenv this test shares",
    ),
    Rule(r"apt-get install .+", reason="installs a system package, as root, from Debian"),
]


def rule_for(command: str) -> Rule | None:
    return next((rule for rule in RULES if re.fullmatch(rule.pattern, command)), None)


@pytest.mark.parametrize("command", COMMANDS, ids=COMMANDS)
def test_the_readme_command_works_as_written(request, command):
    rule = rule_for(command)
    if rule is None:
        pytest.fail(
            f"README.md shows `{command}`, which no rule of {__name__} matches: say how it is "
            "run (or why it is not) there.",
            pytrace=False,
        )
    if rule.run is None:
        pytest.skip(rule.reason)
    rule.run(request, command)


def test_ctrl_c_stops_make_run_and_its_worker(local_site):
    """After the commands that use it: the local site of `make run` stops at Ctrl-C, and
    nothing it started is left running."""
    assert any("manage.py db_worker" in line for line in local_site.processes().values())
    local_site.stop(signal.SIGINT)


def test_every_rule_is_for_a_command_the_readme_shows():
    assert [r.pattern for r in RULES if not any(re.fullmatch(r.pattern, c) for c in COMMANDS)] == []


def test_the_commands_are_read_from_blocks_and_prose():
    text = (
        "Run\n\n```sh\nmake run    # serves it\n            # (and more)\n"
        "NEW_PW='x' make thing   # a comment\n```\n\nthen `make run` or `DEBUG=true "
        ".venv/bin/python manage.py\n  revert_to_paper`, at `0 7 * * 1-5  cd /srv && x`; "
        "or `cp a b`; not `manage.py load_paper`, `12.5` nor `--dry-run`.\n"
    )
    assert readme_commands(text) == [
        "make run",
        "NEW_PW='x' make thing",
        "DEBUG=true .venv/bin/python manage.py revert_to_paper",
        "0 7 * * 1-5 cd /srv && x",
        "cp a b",
    ]
