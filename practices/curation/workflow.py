"""The publication workflow: who may move a practice from which state to which.

Curators write drafts and submit them; reviewers decide what the public sees. The transitions
are data (``TRANSITIONS``) read by ``apply_transition``, the admin's actions and the change
page's buttons alike, so a rule is stated once and every way in obeys it.

    draft ──submit──▶ in review ──publish──▶ published
      ▲                  │                      │
      └───send back──────┘◀─────unpublish───────┘ (to draft)
    any of the three ──archive──▶ archived ──restore──▶ draft
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from practices import submissions
from practices.models import Practice

State = Practice.PublicationState


class Role(models.TextChoices):
    """The admin's roles, as groups: migration 0005_roles creates the curators' and reviewers',
    0009_dossiers the preparers' (who keep roundtable dossiers and do nothing else)."""

    CURATOR = "curator", _("Curator")
    REVIEWER = "reviewer", _("Reviewer")
    PREPARER = "preparer", _("Preparer")


@dataclass(frozen=True)
class Transition:
    name: str
    label: str  # the change page's button
    action_label: str  # the changelist's action
    sources: frozenset[str]
    target: str
    codename: str  # a practices permission
    # Stored with the history entry; kept in English so the record reads the same whatever
    # the language of whoever made it (marked so the admin can translate it on display).
    reason: str

    @property
    def permission(self) -> str:
        return f"practices.{self.codename}"

    @property
    def source_labels(self) -> str:
        """The states it starts from, in workflow order: "draft, in review or published"."""
        labels = [str(State(s).label).lower() for s in State.values if s in self.sources]
        return get_text_list(labels, _("or"))


def _transitions(*transitions: Transition) -> dict[str, Transition]:
    return {t.name: t for t in transitions}


TRANSITIONS = _transitions(
    Transition(
        name="submit",
        label=_("Submit for review"),
        action_label=_("Submit selected practices for review"),
        sources=frozenset({State.DRAFT}),
        target=State.IN_REVIEW,
        codename="submit_practice",
        reason=gettext_noop("Submitted for review"),
    ),
    Transition(
        name="publish",
        label=_("Publish"),
        action_label=_("Publish selected practices"),
        sources=frozenset({State.IN_REVIEW}),
        target=State.PUBLISHED,
        codename="publish_practice",
        reason=gettext_noop("Published"),
    ),
    Transition(
        name="send_back",
        label=_("Send back to draft"),
        action_label=_("Send selected practices back to draft"),
        sources=frozenset({State.IN_REVIEW}),
        target=State.DRAFT,
        codename="publish_practice",
        reason=gettext_noop("Sent back to draft"),
    ),
    Transition(
        name="unpublish",
        label=_("Unpublish"),
        action_label=_("Unpublish selected practices"),
        sources=frozenset({State.PUBLISHED}),
        target=State.DRAFT,
        codename="publish_practice",
        reason=gettext_noop("Unpublished"),
    ),
    Transition(
        name="archive",
        label=_("Archive"),
        action_label=_("Archive selected practices"),
        sources=frozenset({State.DRAFT, State.IN_REVIEW, State.PUBLISHED}),
        target=State.ARCHIVED,
        codename="publish_practice",
        reason=gettext_noop("Archived"),
    ),
    Transition(
        name="restore",
        label=_("Restore to draft"),
        action_label=_("Restore selected practices to draft"),
        sources=frozenset({State.ARCHIVED}),
        target=State.DRAFT,
        codename="publish_practice",
        reason=gettext_noop("Restored to draft"),
    ),
)


class TransitionError(Exception):
    """A transition that may not be applied; ``message`` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class UnknownTransition(TransitionError):
    pass


class TransitionNotPermitted(TransitionError, PermissionDenied):
    pass


class WrongState(TransitionError):
    pass


def get_transition(name: str) -> Transition:
    try:
        return TRANSITIONS[name]
    except KeyError:
        raise UnknownTransition(
            _("There is no step “%(name)s” in the publication workflow.") % {"name": name[:40]}
        ) from None


def user_may(user, transition: Transition) -> bool:
    """Whether ``user`` holds the permission ``transition`` needs (inactive users hold none)."""
    return user.has_perm(transition.permission)


def transitions_for_user(user) -> list[Transition]:
    """Every transition ``user`` may apply to some practice: the admin actions offered."""
    return [t for t in TRANSITIONS.values() if user_may(user, t)]


def available_transitions(practice: Practice, user) -> list[Transition]:
    """What ``user`` may do to ``practice`` as it stands: the change page's buttons."""
    return [t for t in transitions_for_user(user) if practice.publication_state in t.sources]


def apply_transition(practice: Practice, name: str, user) -> Practice:
    """Move ``practice`` along transition ``name`` on behalf of ``user``, or raise.

    Raises ``UnknownTransition``, ``TransitionNotPermitted`` (a ``PermissionDenied``) or
    ``WrongState``, and then nothing is written. The state is read again under a row lock, so
    two reviewers acting on the same practice at once cannot both move it from the state they
    saw (one archives, the other publishes what is no longer in review).
    """
    transition = get_transition(name)
    if not user_may(user, transition):
        raise TransitionNotPermitted(
            _("“%(step)s” needs a permission your account does not have.")
            % {"step": transition.label}
        )
    with transaction.atomic():
        current = (
            Practice.objects.select_for_update()
            .filter(pk=practice.pk)
            .values_list("publication_state", flat=True)
            .get()
        )
        if current not in transition.sources:
            raise WrongState(
                _(
                    "“%(title)s” is %(state)s; “%(step)s” applies only to a practice "
                    "that is %(sources)s."
                )
                % {
                    "title": practice.title,
                    "state": str(State(current).label).lower(),
                    "step": transition.label,
                    "sources": transition.source_labels,
                }
            )
        practice.publication_state = transition.target
        practice.state_changed_at = timezone.now()
        practice.state_changed_by = user
        practice._change_reason = transition.reason
        practice._history_user = user
        try:
            practice.save(
                update_fields=[
                    "publication_state",
                    "state_changed_at",
                    "state_changed_by",
                    "updated_at",
                ]
            )
        finally:
            # Left on the instance, they would label the next, unrelated save too.
            del practice._change_reason
            del practice._history_user
        if transition.target == State.PUBLISHED:
            # A practice made from a submission: its submitter is told, with its public link.
            submissions.practice_published(practice, user)
    return practice
