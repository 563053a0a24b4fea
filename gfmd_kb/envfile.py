"""The `.env` file: settings for one machine, kept beside the code and never committed.

`settings.py` reads it before any setting, and `gunicorn.conf.py` before gunicorn's, so a server
needs no exported variables and a cron line no `set -a && . ./.env`. A variable it sets is only
a default: the real environment always wins (`DEBUG=true .venv/bin/python manage.py …` is on,
whatever the file says). `ENV_FILE=/path/to/file` reads that file instead, `ENV_FILE=` none.

The format is `.env.example`'s, which a POSIX shell reads the same way (`set -a; . ./.env`):
one `NAME=value` a line, no space around `=`, an optional `export ` in front; blank lines and
`# comments`, also after a value; a value with spaces or any of `$ \\ " ' ; & | < > ( )` in
single quotes (taken as they are) or double quotes (where `\\"` and `\\\\` stand for `"` and `\\`,
and `$` or a backtick is refused: a shell would expand them). There is no `${NAME}`
substitution and no value over several lines. Anything else is refused with the line's number,
never its text (it may hold a password): a line silently skipped would leave a setting at its
default without anybody noticing.
"""

import os
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

ASSIGNMENT = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)")
# Characters a shell would read as something else in a value without quotes.
SHELL_SPECIAL = set("$`\\\"';&|<>()")
# A value without quotes ends at the first space or tab.
UNQUOTED = re.compile(r"([^ \t]*)(.*)")
QUOTE_IT = "put the value in single quotes"


def read_into_environ(default: Path) -> tuple[Path | None, list[str]]:
    """Read the `.env` file into ``os.environ`` without overriding anything already there.

    The file is ``ENV_FILE``'s if that is set (empty: no file), else ``default`` if it exists.
    Returns the file read (or None) and the names of the variables it set.
    """
    named = os.environ.get("ENV_FILE")
    if named is None:
        path = default if default.is_file() else None
    elif named:
        path = Path(named)
        if not path.is_file():
            raise ImproperlyConfigured(f"ENV_FILE names {named!r}, which is not a file")
    else:
        path = None
    if path is None:
        return None, []
    values = parse(path)
    new = [name for name in values if name not in os.environ]
    for name in new:
        os.environ[name] = values[name]
    return path, new


def parse(path: Path) -> dict[str, str]:
    """The variables of a `.env` file, in its order; ImproperlyConfigured on a line it cannot
    read, naming the file, the line's number and what is wrong."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ImproperlyConfigured(f"{path} is not UTF-8 text") from None
    except OSError as error:
        raise ImproperlyConfigured(f"{path} cannot be read: {error.strerror}") from None
    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = ASSIGNMENT.fullmatch(line)
        if not match:
            raise ImproperlyConfigured(
                f"{path}, line {number}: not NAME=value (a variable's name, then = with no "
                "space around it, then the value)"
            )
        name, raw = match.groups()
        if name in lines:
            raise ImproperlyConfigured(
                f"{path}, line {number}: {name} is set again (first on line {lines[name]})"
            )
        try:
            values[name] = value(raw)
        except ValueError as error:
            raise ImproperlyConfigured(f"{path}, line {number}: {name}'s value {error}") from None
        lines[name] = number
    return values


def value(raw: str) -> str:
    """The value written after ``NAME=``; ValueError says what cannot be read."""
    if raw.startswith("'"):
        end = raw.find("'", 1)
        if end < 0:
            raise ValueError("has no closing single quote (a value is one line)")
        text, rest = raw[1:end], raw[end + 1 :]
    elif raw.startswith('"'):
        text, rest = double_quoted(raw)
    else:
        text, rest = UNQUOTED.fullmatch(raw).groups()
        if special := sorted(SHELL_SPECIAL.intersection(text)):
            raise ValueError(f"has {' '.join(special)} outside quotes: {QUOTE_IT}")
    rest = rest.strip()
    if rest and not rest.startswith("#"):
        raise ValueError(
            f"goes on after a space or a closing quote: {QUOTE_IT}, or start a comment with ' #'"
        )
    return text


def double_quoted(raw: str) -> tuple[str, str]:
    """The text between double quotes (with ``\\"``, ``\\\\`` and, as a shell reads them,
    ``\\$`` and ``\\```), and what follows the closing quote."""
    text = []
    index = 1
    while index < len(raw):
        char = raw[index]
        if char == "\\" and raw[index + 1 : index + 2] in ('"', "\\", "$", "`"):
            text.append(raw[index + 1])
            index += 2
            continue
        if char == '"':
            return "".join(text), raw[index + 1 :]
        if char in "$`":
            raise ValueError(f"has {char} in double quotes, which a shell expands: {QUOTE_IT}")
        text.append(char)
        index += 1
    raise ValueError("has no closing double quote (a value is one line)")
