"""``manage.py create_user``: a curator, reviewer or preparer from the command line, or a clear
refusal that creates nothing."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from practices.curation.management.commands.create_user import Command
from practices.curation.site import KnowledgeBaseAdminSite

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "kinship-care-2010-rt"  # noqa: S105


def create_user(*args, **options) -> str:
    out = StringIO()
    call_command("create_user", *args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def password_env(monkeypatch):
    monkeypatch.setenv("NEW_USER_PASSWORD", GOOD_PASSWORD)
    return "NEW_USER_PASSWORD"


def typed(monkeypatch, *answers):
    """Answer getpass's prompts with ``answers``, in order."""
    replies = iter(answers)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(replies))


def users() -> int:
    return get_user_model().objects.count()


@pytest.mark.parametrize("group", ["curator", "reviewer", "preparer"])
def test_it_creates_an_active_staff_user_in_the_group(password_env, group):
    out = create_user(
        "ana", "--group", group, "--email", "ana@example.org ", "--password-from-env", password_env
    )

    user = get_user_model().objects.get(username="ana")
    assert user.is_active and user.is_staff and not user.is_superuser
    assert [g.name for g in user.groups.all()] == [group]
    assert user.email == "ana@example.org"
    assert user.check_password(GOOD_PASSWORD)
    assert f"Created staff user “ana” in group {group} (ana@example.org)." in out
    # And the admin lets that user in.
    request = RequestFactory().get("/admin/")
    request.user = user
    assert KnowledgeBaseAdminSite().has_permission(request)


def test_it_asks_for_the_password_twice(monkeypatch):
    typed(monkeypatch, GOOD_PASSWORD, GOOD_PASSWORD)
    create_user("ben", "--group", "curator")
    assert get_user_model().objects.get(username="ben").check_password(GOOD_PASSWORD)


def test_without_a_terminal_it_says_how_to_give_the_password_and_creates_nothing(monkeypatch):
    def no_terminal(prompt=""):
        raise EOFError  # what getpass does when standard input is closed (cron, CI, a pipe)

    monkeypatch.setattr("getpass.getpass", no_terminal)
    before = users()
    with pytest.raises(CommandError, match="--password-from-env"):
        create_user("ben", "--group", "curator")
    assert users() == before


def test_two_different_passwords_create_nothing(monkeypatch):
    typed(monkeypatch, GOOD_PASSWORD, GOOD_PASSWORD + "x")
    before = users()
    with pytest.raises(CommandError, match="two passwords differ"):
        create_user("ben", "--group", "curator")
    assert users() == before


@pytest.mark.parametrize(
    ("args", "env", "problem"),
    [
        (
            ["cleo", "--group", "admins"],
            {},
            "Unknown group “admins”: choose curator, reviewer or preparer",
        ),
        (["cleo", "--group", "Curator"], {}, "Unknown group “Curator”"),
        (["curator", "--group", "curator"], {}, "A user named “curator” already exists"),
        (["CURATOR", "--group", "curator"], {}, "A user named “CURATOR” already exists"),
        (["bad name!", "--group", "curator"], {}, "User name “bad name!”"),
        (["cleo", "--group", "curator", "--email", "not-an-address"], {}, "not an e-mail address"),
        (
            ["cleo", "--group", "curator", "--password-from-env", "UNSET_VAR"],
            {},
            "UNSET_VAR is not set",
        ),
        (
            ["cleo", "--group", "curator", "--password-from-env", "PW"],
            {"PW": ""},
            "password is empty",
        ),
        (
            ["cleo", "--group", "curator", "--password-from-env", "PW"],
            {"PW": "   "},
            "password is empty",
        ),
        (
            ["cleo", "--group", "curator", "--password-from-env", "PW"],
            {"PW": "12345678"},
            "password was refused",
        ),
        (
            # Too like the user's own e-mail address.
            ["cleo", "--group", "curator", "--email", "cleopatra@example.org"]
            + ["--password-from-env", "PW"],
            {"PW": "cleopatra1"},
            "password was refused: The password is too similar to the email address",
        ),
    ],
)
def test_it_refuses_with_the_problem_named_and_creates_nothing(
    monkeypatch, curator, args, env, problem
):
    monkeypatch.delenv("UNSET_VAR", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    before = users()
    with pytest.raises(CommandError, match=problem):
        create_user(*args)
    assert users() == before


def test_an_empty_typed_password_is_refused(monkeypatch):
    typed(monkeypatch, "", "")
    with pytest.raises(CommandError, match="password is empty"):
        create_user("dora", "--group", "reviewer")
    assert not get_user_model().objects.filter(username="dora").exists()


def test_the_group_is_required():
    with pytest.raises(CommandError, match="--group"):
        create_user("dora")


def test_a_dry_run_says_what_it_would_do_and_creates_nothing(monkeypatch, password_env):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": pytest.fail("asked for a password"))
    before = users()
    out = create_user("eve", "--group", "reviewer", "--dry-run")
    assert "Would create staff user “eve” in group reviewer." in out
    out = create_user(
        "eve", "--group", "reviewer", "--password-from-env", password_env, "--dry-run"
    )
    assert "Would create" in out
    assert users() == before


def test_a_dry_run_still_refuses_what_the_real_run_would(monkeypatch, curator):
    monkeypatch.setenv("PW", "short")
    with pytest.raises(CommandError, match="already exists"):
        create_user("curator", "--group", "curator", "--dry-run")
    with pytest.raises(CommandError, match="password was refused"):
        create_user("fay", "--group", "curator", "--password-from-env", "PW", "--dry-run")


def test_its_help_names_the_groups_and_every_option():
    text = Command().create_parser("manage.py", "create_user").format_help()
    for words in ["--group", "curator or reviewer", "--email", "--password-from-env", "--dry-run"]:
        assert words in text
