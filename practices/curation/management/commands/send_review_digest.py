"""Email each reviewer what waits for review: the desk's reviewer queues (practices.curation.desk).

Meant to run once a day from cron. Each active reviewer (staff, holding
``practices.publish_practice`` through the reviewer group or their own permissions) with an
email address gets one email, plain text and HTML, whose links open the admin at ``SITE_URL``.
Nothing is sent on a day nothing waits, unless ``--always``.
"""

import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from practices.curation import desk

PERMISSION = "practices.publish_practice"


def reviewers():
    """Active staff who may publish and have an email address, by user name.

    Superusers only if they hold the permission through a group or their own permissions:
    an administrator's account is not a reviewer's inbox.
    """
    return (
        get_user_model()
        .objects.with_perm(
            PERMISSION,
            include_superusers=False,
            backend="django.contrib.auth.backends.ModelBackend",
        )
        .filter(is_staff=True)
        .exclude(email="")
        .order_by("username")
    )


def digest(reviewer, queues: list[desk.Queue], site_url: str) -> EmailMultiAlternatives:
    context = {
        "reviewer": reviewer,
        "name": reviewer.get_full_name() or reviewer.get_username(),
        "queues": queues,
        "site_url": site_url,
        "desk_url": site_url + reverse("admin:index"),
    }
    message = EmailMultiAlternatives(
        subject=_("Review digest: %(summary)s")
        % {"summary": " · ".join(f"{queue.title} {queue.count}" for queue in queues)},
        body=render_to_string("curation/email/review_digest.txt", context),
        to=[reviewer.email],
    )
    message.attach_alternative(
        render_to_string("curation/email/review_digest.html", context), "text/html"
    )
    return message


class Command(BaseCommand):
    help = (
        "Email each active reviewer with an email address what waits for review: practices "
        "in review, pending revisions and published practices that may be out of date, each "
        "with its count and oldest items linked to the admin at SITE_URL. Sends nothing when "
        "nothing waits, unless --always. Run it daily from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print the emails (their plain-text part) instead of sending them.",
        )
        parser.add_argument(
            "--always",
            action="store_true",
            help="Send the digest even when nothing waits.",
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=desk.LIMIT,
            help=f"How many of the oldest items of each queue to list (default {desk.LIMIT}).",
        )

    def handle(self, *args, dry_run: bool, always: bool, limit: int, **options):
        if limit < 1:
            raise CommandError(_("--limit must be 1 or more."))
        site_url = settings.SITE_URL
        if not site_url:
            raise CommandError(
                _(
                    "Set SITE_URL to the site's public address (e.g. https://kb.example.org): "
                    "the email's links open the admin there."
                )
            )
        queues = desk.reviewer_queues(limit)
        if not always and not any(queue.count for queue in queues):
            self.stdout.write(_("Nothing waits for review: no email sent."))
            return
        messages = [digest(reviewer, queues, site_url) for reviewer in reviewers()]
        if not messages:
            self.stdout.write(_("No active reviewer has an email address: no email sent."))
            return
        if dry_run:
            self.print_messages(messages)
            return
        self.send(messages)

    def print_messages(self, messages) -> None:
        for message in messages:
            self.stdout.write(f"To: {', '.join(message.to)}\nSubject: {message.subject}\n")
            self.stdout.write(message.body)
        self.stdout.write(
            ngettext(
                "Dry run: %(count)d email printed, none sent.",
                "Dry run: %(count)d emails printed, none sent.",
                len(messages),
            )
            % {"count": len(messages)}
        )

    def send(self, messages) -> None:
        """One email at a time, over one connection: a refused address does not keep the
        digest from the other reviewers, and the command still ends in an error naming it."""
        failed = []
        try:
            with get_connection() as connection:
                for message in messages:
                    message.connection = connection
                    try:
                        message.send()
                    except (smtplib.SMTPException, OSError) as error:
                        failed.append(f"{', '.join(message.to)} ({error})")
        except (smtplib.SMTPException, OSError) as error:
            # Opening (or closing) the connection: the mail server is not there.
            raise CommandError(
                _("Could not reach the mail server (%(error)s): no digest was sent.")
                % {"error": error}
            ) from None
        sent = len(messages) - len(failed)
        if failed:
            raise CommandError(
                _("Sent the review digest to %(sent)d of %(total)d reviewers; not to %(failed)s.")
                % {"sent": sent, "total": len(messages), "failed": "; ".join(failed)}
            )
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Sent the review digest to %(count)d reviewer.",
                    "Sent the review digest to %(count)d reviewers.",
                    sent,
                )
                % {"count": sent}
            )
        )
