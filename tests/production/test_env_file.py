"""The `.env` file (gfmd_kb/envfile.py): read as a shell reads it, never over the real
environment, and refused with the line's number when it cannot be read."""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured

from gfmd_kb import envfile
from tests.processes import BASE_DIR, child_env, clone_project, manage

SAMPLE = """\
# a comment, then a blank line

PLAIN=value
export EXPORTED=yes
  INDENTED=ok
EMPTY=
QUOTED_EMPTY=""
SINGLE='a b $HOME "x" \\n'
DOUBLE="GFMD knowledge base <kb@example.org>"
ESCAPED="say \\"hi\\", \\\\ and \\$5, a back\\slash"
COMMENTED=value   # a comment after the value
HASH=abc#def
URL=smtp+tls://kb%40example.org:pw@mail.example.org:587
EQUALS=a=b=c
HOSTS=*.example.org,kb.example.org
"""


def as_a_shell_reads_it(path: Path) -> dict[str, str]:
    """The variables `set -a; . ./.env` gives: what the file has always meant."""
    output = subprocess.run(  # noqa: S603 (a fixed command; the file is the test's own)
        ["/bin/sh", "-c", 'set -a && . "$1" && env -0', "sh", str(path)],
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(item.split("=", 1) for item in output.split("\0") if item)


@pytest.mark.parametrize("name", [".env.example", "sample"])
def test_the_file_is_read_as_a_shell_reads_it(tmp_path, name):
    path = BASE_DIR / name
    if name == "sample":
        path = tmp_path / ".env"
        path.write_text(SAMPLE)
    values = envfile.parse(path)
    shell = as_a_shell_reads_it(path)
    assert values == {key: shell[key] for key in values}
    assert len(values) == sum(
        1 for line in path.read_text().splitlines() if line and not line.startswith("#")
    )


def test_the_example_gives_the_digest_its_sender():
    assert envfile.parse(BASE_DIR / ".env.example")["DEFAULT_FROM_EMAIL"] == (
        "GFMD knowledge base <kb@example.org>"
    )


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("SECRET_KEY our-secret\n", 1, "not NAME=value"),
        ("DEBUG=false\nSECRET_KEY = our-secret\n", 2, "not NAME=value"),
        ("9SECRET_KEY=our-secret\n", 1, "not NAME=value"),
        ("SECRET_KEY=our$secret\n", 1, "has $ outside quotes: put the value in single quotes"),
        ("SECRET_KEY=our(secret)\n", 1, "has ( ) outside quotes"),
        ("SECRET_KEY=our secret\n", 1, "goes on after a space"),
        ("SECRET_KEY='our-secret'x\n", 1, "goes on after a space or a closing quote"),
        ("SECRET_KEY='our-secret\n", 1, "has no closing single quote"),
        ('SECRET_KEY="our-secret\n', 1, "has no closing double quote"),
        ('SECRET_KEY="our$secret"\n', 1, "has $ in double quotes, which a shell expands"),
        ("SECRET_KEY=our-secret\n\nSECRET_KEY=x\n", 3, "set again (first on line 1)"),
    ],
)
def test_what_cannot_be_read_is_refused_with_its_line(tmp_path, text, line, reason):
    path = tmp_path / ".env"
    path.write_text(text)
    with pytest.raises(ImproperlyConfigured) as error:
        envfile.parse(path)
    message = str(error.value)
    assert f"{path}, line {line}: " in message and reason in message
    assert "secret" not in message, "a line may hold a password: it is never repeated"


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / ".env"
    path.write_bytes(b"DEFAULT_FROM_EMAIL='Caf\xe9 <kb@example.org>'\n")
    with pytest.raises(ImproperlyConfigured, match="is not UTF-8 text"):
        envfile.parse(path)


@pytest.fixture
def environ():
    """``os.environ`` as it was, after the test."""
    with mock.patch.dict(os.environ):
        os.environ.pop("ENV_FILE", None)
        yield os.environ


def test_the_real_environment_wins_over_the_file(tmp_path, environ):
    default = tmp_path / ".env"
    default.write_text("GFMD_FROM_FILE=file\nGFMD_FROM_BOTH=file\n")
    environ["GFMD_FROM_BOTH"] = "environment"
    assert envfile.read_into_environ(default) == (default, ["GFMD_FROM_FILE"])
    assert (environ["GFMD_FROM_FILE"], environ["GFMD_FROM_BOTH"]) == ("file", "environment")


def test_env_file_names_another_file_or_none(tmp_path, environ):
    default = tmp_path / ".env"
    default.write_text("GFMD_FROM_FILE=default\n")
    other = tmp_path / "other.env"
    other.write_text("GFMD_FROM_FILE=other\n")
    environ["ENV_FILE"] = ""
    assert envfile.read_into_environ(default) == (None, [])
    assert "GFMD_FROM_FILE" not in environ
    environ["ENV_FILE"] = str(other)
    assert envfile.read_into_environ(default) == (other, ["GFMD_FROM_FILE"])
    assert environ["GFMD_FROM_FILE"] == "other"
    environ["ENV_FILE"] = str(tmp_path / "missing.env")
    with pytest.raises(ImproperlyConfigured, match="ENV_FILE names .*missing.env.*not a file"):
        envfile.read_into_environ(default)


def test_without_a_file_nothing_is_read(tmp_path, environ):
    assert envfile.read_into_environ(tmp_path / ".env") == (None, [])


def test_manage_py_takes_its_settings_from_the_file(tmp_path):
    path = tmp_path / "site.env"
    path.write_text(
        "SECRET_KEY='from-the-file'\nDEBUG=false\n"
        'DEFAULT_FROM_EMAIL="GFMD knowledge base <kb@example.org>"\n'
    )
    show = "from django.conf import settings as s; print(s.DEBUG, s.DEFAULT_FROM_EMAIL)"
    env = child_env(ENV_FILE=str(path))
    for name in ("SECRET_KEY", "DEBUG", "DEFAULT_FROM_EMAIL"):
        env.pop(name, None)
    result = manage(env, "shell", "--no-imports", "-c", show)
    assert result.stdout.strip() == "False GFMD knowledge base <kb@example.org>", result.stderr
    # The real environment wins: DEBUG=true in front of the command turns it on.
    result = manage({**env, "DEBUG": "true"}, "shell", "--no-imports", "-c", show)
    assert result.stdout.startswith("True "), result.stderr


def test_gunicorn_reads_the_file_too(tmp_path):
    path = tmp_path / "site.env"
    path.write_text("GUNICORN_BIND=127.0.0.1:8123\nWEB_CONCURRENCY=3\n")
    env = child_env(ENV_FILE=str(path))
    env.pop("GUNICORN_BIND", None)
    env.pop("WEB_CONCURRENCY", None)
    config = "import runpy; c = runpy.run_path('gunicorn.conf.py'); print(c['bind'], c['workers'])"
    result = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", config], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.stdout.strip() == "127.0.0.1:8123 3", result.stderr


def test_a_stray_env_file_never_reaches_the_tests(tmp_path):
    """A developer's `.env` is for their own site: `make test` reads none, and pytest run by
    hand refuses to start on one rather than test their database."""
    root = clone_project(tmp_path / "gfmd-kb")
    (root / ".env").write_text("CACHE_URL=dummy://\nDATABASE_URL=sqlite:////nonexistent/x\n")
    selection = "-p no:cacheprovider tests/production/test_env_file.py -k without_a_file"
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root")}

    def run(command):
        return subprocess.run(  # noqa: S603 (our own commands, in our own clone)
            ["/bin/sh", "-c", command], cwd=root, env=env, capture_output=True, text=True
        )

    by_hand = run(f"DEBUG=false HTTPS=false SECRET_KEY=t .venv/bin/pytest -q {selection}")
    assert by_hand.returncode == pytest.ExitCode.USAGE_ERROR, by_hand.stdout + by_hand.stderr
    assert f"took CACHE_URL, DATABASE_URL from {root / '.env'}" in by_hand.stderr
    assert "Run the tests with ENV_FILE= in front" in by_hand.stderr
    made = run(f"make test PYTEST_ARGS='-q {selection}'")
    assert made.returncode == 0, made.stdout + made.stderr
    assert "1 passed" in made.stdout
