"""The interface's French and Spanish catalogues are complete and compile.

``makemessages`` is run on a copy of the code: every string the code and templates mark for
translation must have its French and its Spanish, none fuzzy; then ``compilemessages`` must
succeed. A new string without its translations fails here, naming it.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COPIED = ["manage.py", "gfmd_kb", "practices", "countries", "templates", "locale"]
LANGUAGES = ["fr", "es"]


def entries(po: str) -> list[tuple[str, str, bool]]:
    """(msgid, every msgstr joined, fuzzy) of each entry but the header."""
    found = []
    for block in po.split("\n\n"):
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if not msgid:
            continue
        text = "".join(re.findall(r'"(.*)"', msgid.group(1)))
        if not text:
            continue  # the header
        strings = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block, re.M)
        values = ["".join(re.findall(r'"(.*)"', s)) for s in strings]
        fuzzy = bool(re.search(r"^#,.*\bfuzzy\b", block, re.M))
        found.append((text, "" if not all(values) else "|".join(values), fuzzy))
    return found


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """A copy of the code whose catalogues makemessages has brought up to date."""
    copy = tmp_path_factory.mktemp("catalogues")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, copy / name)
    command = [sys.executable, "manage.py", "makemessages", "--no-location", "--no-obsolete"]
    command += [f"--locale={code}" for code in LANGUAGES]
    result = subprocess.run(  # noqa: S603 (the interpreter and manage.py, fixed arguments)
        command,
        cwd=copy,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return copy


def environment() -> dict:
    return {**os.environ, "DEBUG": "true", "ENV_FILE": "", "DATABASE_URL": "sqlite:///:memory:"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_of_the_site_is_translated(extracted, language):
    po = (extracted / "locale" / language / "LC_MESSAGES" / "django.po").read_text()
    found = entries(po)
    assert len(found) > 1000
    untranslated = [msgid for msgid, text, _fuzzy in found if not text]
    fuzzy = [msgid for msgid, _text, is_fuzzy in found if is_fuzzy]
    assert untranslated == [], f"{language}: {len(untranslated)} untranslated"
    assert fuzzy == [], f"{language}: {len(fuzzy)} fuzzy"


def test_the_catalogues_compile(extracted):
    result = subprocess.run(  # noqa: S603 (the interpreter and manage.py, fixed arguments)
        [sys.executable, "manage.py", "compilemessages", "--ignore=.venv"],
        cwd=extracted,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for language in LANGUAGES:
        assert (extracted / "locale" / language / "LC_MESSAGES" / "django.mo").stat().st_size
