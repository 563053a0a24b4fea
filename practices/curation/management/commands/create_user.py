"""Create a curator, reviewer or preparer from the command line.

The password never appears on the command line (where the shell history and ``ps`` would
keep it): it is typed twice, or read from an environment variable named on the command line,
for scripts.
"""

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from practices.curation.workflow import Role


class Command(BaseCommand):
    help = (
        "Create an active staff user in the curator, reviewer or preparer group. The password "
        "is asked for twice, or read from the environment variable given with "
        "--password-from-env."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The new user's login name.")
        parser.add_argument(
            "--group",
            required=True,
            help=f"The user's role: {' or '.join(Role.values)}.",
        )
        parser.add_argument("--email", default="", help="The user's e-mail address.")
        parser.add_argument(
            "--password-from-env",
            metavar="VAR",
            help="Read the password from this environment variable instead of asking for it.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check everything and say what would be created, without creating it.",
        )

    def handle(self, *args, username, group, email, password_from_env, dry_run, **options):
        User = get_user_model()
        user = User(username=username.strip(), email=User.objects.normalize_email(email.strip()))
        self.check_username(User, user)
        self.check_email(user.email)
        role_group = self.get_group(group)

        if dry_run and not password_from_env:
            # A dry run writes nothing, so it has no use for a password typed in.
            password = None
        else:
            password = self.read_password(password_from_env)
            self.check_password(password, user)

        if dry_run:
            self.stdout.write(
                _("Would create staff user “%(username)s” in group %(group)s%(email)s.")
                % self.summary(user, role_group)
            )
            return

        with transaction.atomic():
            user.set_password(password)
            user.is_staff = True
            user.is_active = True
            user.save()
            user.groups.add(role_group)
        self.stdout.write(
            self.style.SUCCESS(
                _("Created staff user “%(username)s” in group %(group)s%(email)s.")
                % self.summary(user, role_group)
            )
        )

    def check_username(self, User, user):
        if not user.username:
            raise CommandError(_("The user name is empty."))
        try:
            User._meta.get_field(User.USERNAME_FIELD).run_validators(user.username)
        except ValidationError as error:
            raise CommandError(
                _("User name “%(username)s”: %(problem)s")
                % {"username": user.username, "problem": " ".join(error.messages)}
            ) from None
        # Case-insensitively, as Django's own user forms do: "Ana" and "ana" would be two
        # accounts that people take for one.
        if User.objects.filter(**{f"{User.USERNAME_FIELD}__iexact": user.username}).exists():
            raise CommandError(
                _("A user named “%(username)s” already exists.") % {"username": user.username}
            )

    def check_email(self, email):
        if not email:
            return
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(
                _("“%(email)s” is not an e-mail address.") % {"email": email}
            ) from None

    def get_group(self, name):
        if name not in Role.values:
            raise CommandError(
                _("Unknown group “%(group)s”: choose %(choices)s.")
                % {"group": name, "choices": get_text_list(Role.values, _("or"))}
            )
        try:
            return Group.objects.get(name=name)
        except Group.DoesNotExist:
            raise CommandError(
                _("The group “%(group)s” does not exist yet: run “manage.py migrate” first.")
                % {"group": name}
            ) from None

    def read_password(self, variable):
        if variable:
            if variable not in os.environ:
                raise CommandError(
                    _("The environment variable %(var)s is not set.") % {"var": variable}
                )
            password = os.environ[variable]
        else:
            try:
                password = getpass.getpass(_("Password: "))
                again = getpass.getpass(_("Password (again): "))
            except EOFError:
                # No terminal to type into (a pipe, cron, CI): say how, rather than a traceback.
                raise CommandError(
                    _(
                        "No terminal to type the password into: put it in an environment "
                        "variable and name it with --password-from-env VAR. Nothing was created."
                    )
                ) from None
            if password != again:
                raise CommandError(_("The two passwords differ; nothing was created."))
        if not password.strip():
            raise CommandError(_("The password is empty; nothing was created."))
        return password

    def check_password(self, password, user):
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(
                _("The password was refused: %(problems)s") % {"problems": " ".join(error.messages)}
            ) from None

    def summary(self, user, group):
        return {
            "username": user.username,
            "group": group.name,
            "email": _(" (%(email)s)") % {"email": user.email} if user.email else "",
        }
