"""`make run` serves where HOST and PORT say (the README: `make run PORT=8001`, `HOST=0.0.0.0`),
and `make screenshots`, given the same, opens that site."""

import os
import re
import subprocess

import pytest

from tests.processes import BASE_DIR


def planned(target: str, *variables: str) -> str:
    """What `make -n` would run for ``target``: nothing is run."""
    return subprocess.run(  # noqa: S603
        ["make", "-n", target, *variables],  # noqa: S607
        cwd=BASE_DIR,
        env={"PATH": os.environ["PATH"]},  # no HOST or PORT of the caller's
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.mark.parametrize(
    ("variables", "listens_on", "opens"),
    [
        ((), "127.0.0.1:8000", "http://127.0.0.1:8000"),
        (("PORT=8001",), "127.0.0.1:8001", "http://127.0.0.1:8001"),
        (("HOST=localhost",), "localhost:8000", "http://localhost:8000"),
        # Every interface: this machine's browser opens it at 127.0.0.1, which the local site
        # allows (a request for "0.0.0.0" is refused: it is no host name).
        (("HOST=0.0.0.0", "PORT=8001"), "0.0.0.0:8001", "http://127.0.0.1:8001"),
    ],
)
def test_screenshots_open_the_site_make_run_serves(variables, listens_on, opens):
    assert re.search(r"manage\.py runserver (\S+)", planned("run", *variables))[1] == listens_on
    assert re.search(r"screenshots\.py (\S+)", planned("screenshots", *variables))[1] == opens
