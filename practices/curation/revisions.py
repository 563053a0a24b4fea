"""Revisions of published practices: saved beside the live version, decided on by a reviewer.

A curator's change to a published practice (in the admin form, or by an import row) is saved
as the practice's open revision (``save_revision``); the public keeps seeing the published
version. A reviewer publishes it (``publish``: applied to the live practice in one
transaction, which keeps its id, slug and URL), sends it back with a message (``send_back``),
or discards it (``discard``). Every write takes the practice's row lock first, so two people
acting on the same practice at once are serialised, and the version check (``version_token``)
turns the second of two saves based on the same version into a conflict instead of a lost
update.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from practices.content import apply_content, content_of, merge, part_label
from practices.models import Practice, PracticeRevision

State = PracticeRevision.State
# Stored with the history entry, in English like the workflow's reasons.
IMPORT_ORIGIN = gettext_noop("Imported from %(file)s")
PUBLISHED_REASON = gettext_noop("Published the revision by %(author)s")
PUBLISHED_REASON_WITH_MESSAGE = gettext_noop("Published the revision by %(author)s: %(message)s")


class RevisionError(Exception):
    """A decision that cannot be taken; ``message`` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def revises(practice: Practice) -> bool:
    """Whether a change to ``practice`` is saved as a revision: it is public."""
    return practice.publication_state == Practice.PublicationState.PUBLISHED


def open_revision(practice: Practice) -> PracticeRevision | None:
    return (
        PracticeRevision.objects.open()
        .filter(practice=practice)
        .select_related("created_by", "updated_by", "decided_by")
        .first()
    )


def version_token(practice: Practice, revision: PracticeRevision | None) -> str:
    """What a form was based on: the practice as last saved, and its open revision's version.

    Any save of either changes it, so a form holding an older token is out of date.
    """
    stamp = practice.updated_at.isoformat() if practice.updated_at else ""
    return f"{stamp}/{revision.version if revision else 0}"


def current_token(practice_pk, lock: bool = False) -> str:
    practices = Practice.objects.select_for_update() if lock else Practice.objects
    practice = practices.only("updated_at").get(pk=practice_pk)
    revision = PracticeRevision.objects.open().filter(practice_id=practice_pk).first()
    return version_token(practice, revision)


def editable_content(practice: Practice, revision: PracticeRevision | None) -> tuple[dict, list]:
    """What a curator editing ``practice`` starts from: the live content with the open
    revision's changes on it, and the parts that changed on both sides since."""
    live = content_of(practice)
    if revision is None:
        return live, []
    return merge(revision.base, live, revision.content)


def save_revision(practice: Practice, content: dict, user, origin: str) -> PracticeRevision | None:
    """Make ``content`` the practice's open revision, started now or continued.

    Returns the revision, or None when ``content`` is what the public sees already (a revision
    that no longer changes anything is discarded rather than kept for review).
    """
    with transaction.atomic():
        live_practice = Practice.objects.select_for_update().get(pk=practice.pk)
        live = content_of(live_practice)
        revision = (
            PracticeRevision.objects.select_for_update().open().filter(practice=practice).first()
        )
        if content == live:
            if revision is not None:
                revision.state = State.DISCARDED
                revision.decided_by, revision.decided_at = user, timezone.now()
                revision.message = _("Saved with no change left from the published version.")
                revision.save()
            return None
        if revision is None:
            revision = PracticeRevision(practice=practice, created_by=user, version=0)
        revision.content = content
        # What it is based on from now: the live version it was just made against.
        revision.base = live
        revision.version += 1
        revision.state = State.PENDING
        revision.updated_by = user
        revision.origin = origin[:100]
        revision.save()
        return revision


def _decidable(revision: PracticeRevision, user, *, author_may: bool = False) -> None:
    if not (
        user.has_perm("practices.publish_practice")
        or (author_may and revision.created_by_id == user.pk)
    ):
        raise PermissionDenied
    if not revision.is_open:
        raise RevisionError(
            _("This revision was already decided on: it is %(state)s.")
            % {"state": revision.get_state_display().lower()}
        )


def _locked(revision: PracticeRevision) -> PracticeRevision:
    Practice.objects.select_for_update().filter(pk=revision.practice_id).exists()
    return (
        PracticeRevision.objects.select_for_update(of=("self",))
        .select_related("practice", "created_by")
        .get(pk=revision.pk)
    )


def publish(revision: PracticeRevision, user, message: str = "") -> PracticeRevision:
    """Apply the revision to the live practice, in one transaction, and record who and why.

    Changes made to the live practice since the revision was started are kept where the
    revision did not touch the same part; where both changed the same part, nothing is
    published and the message names the parts.
    """
    with transaction.atomic():
        revision = _locked(revision)
        _decidable(revision, user)
        practice = revision.practice
        merged, conflicts = merge(revision.base, content_of(practice), revision.content)
        if conflicts:
            raise RevisionError(
                _(
                    "The published practice changed after this revision was made, in the same "
                    "places: %(parts)s. Send it back so that the curator redoes these changes "
                    "on the current version."
                )
                % {"parts": ", ".join(part_label(key) for key in conflicts)}
            )
        # The merge may join a revision's level to evaluations changed on the live version:
        # the level must still rest on the evaluations it would be published with.
        level = Practice(evidence_level=merged["fields"]["evidence_level"])
        if not level.evidence_rests_on({row["method"] for row in merged["evaluations"]}):
            raise RevisionError(
                _(
                    "Published, the evidence level “%(level)s” would have no evaluation to rest "
                    "on (it needs %(needed)s). Send it back so that the curator adds the "
                    "evaluation or chooses a lower level."
                )
                % {"level": level.get_evidence_level_display(), "needed": level.evaluation_needed()}
            )
        author = _name(revision.created_by)
        reason = (
            PUBLISHED_REASON_WITH_MESSAGE % {"author": author, "message": message}
            if message
            else PUBLISHED_REASON % {"author": author}
        )
        apply_content(practice, merged, {"_history_user": user, "_change_reason": reason[:100]})
        _decide(revision, State.PUBLISHED, user, message)
    return revision


def send_back(revision: PracticeRevision, user, message: str) -> PracticeRevision:
    if not message.strip():
        raise RevisionError(_("Say what the curator should change: the message is required."))
    with transaction.atomic():
        revision = _locked(revision)
        _decidable(revision, user)
        revision.state = State.SENT_BACK
        revision.message = message.strip()
        revision.decided_by, revision.decided_at = user, timezone.now()
        revision.version += 1
        revision.save()
    return revision


def discard(revision: PracticeRevision, user, message: str = "") -> PracticeRevision:
    """Drop the revision; the published practice stays as it is. Its author may withdraw it."""
    with transaction.atomic():
        revision = _locked(revision)
        _decidable(revision, user, author_may=True)
        _decide(revision, State.DISCARDED, user, message)
    return revision


def _decide(revision: PracticeRevision, state: str, user, message: str) -> None:
    revision.state = state
    revision.message = message.strip()
    revision.decided_by, revision.decided_at = user, timezone.now()
    revision.version += 1
    revision.save()


def _name(user) -> str:
    if user is None:
        return "a former user"
    return user.get_full_name() or user.get_username()
