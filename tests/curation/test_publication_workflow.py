"""The publication workflow: every allowed transition moves a practice and records who, when
and why; every other one (wrong state, missing permission, unknown name) changes nothing.
The admin's actions and the change page's buttons obey the same rules."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from practices.curation.workflow import (
    TRANSITIONS,
    TransitionNotPermitted,
    UnknownTransition,
    WrongState,
    apply_transition,
    available_transitions,
    transitions_for_user,
)
from practices.models import Practice
from tests.conftest import make_practice

pytestmark = pytest.mark.django_db

State = Practice.PublicationState
PUBLISH_FAMILY = [t.name for t in TRANSITIONS.values() if t.codename == "publish_practice"]
# Every (transition, state it may start from), and every (transition, state it may not).
ALLOWED = [(t.name, s) for t in TRANSITIONS.values() for s in State.values if s in t.sources]
WRONG_STATE = [
    (t.name, s) for t in TRANSITIONS.values() for s in State.values if s not in t.sources
]


def stored(practice):
    """What the database holds of the practice's workflow, and how many history entries."""
    row = Practice.objects.filter(pk=practice.pk).values(
        "publication_state", "state_changed_at", "state_changed_by", "updated_at", "title"
    )
    return row.get(), practice.history.count()


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_workflow_is_the_one_the_issue_describes():
    table = {name: (sorted(t.sources), t.target, t.codename) for name, t in TRANSITIONS.items()}
    assert table == {
        "submit": (["draft"], "in_review", "submit_practice"),
        "publish": (["in_review"], "published", "publish_practice"),
        "send_back": (["in_review"], "draft", "publish_practice"),
        "unpublish": (["published"], "draft", "publish_practice"),
        "archive": (["draft", "in_review", "published"], "archived", "publish_practice"),
        "restore": (["archived"], "draft", "publish_practice"),
    }


# -- apply_transition ---------------------------------------------------------------------


@pytest.mark.parametrize(("name", "source"), ALLOWED)
def test_an_allowed_transition_moves_the_practice_and_records_who_when_and_why(
    reviewer, name, source
):
    practice = make_practice("moving", publication_state=source)
    history_before = practice.history.count()
    before = timezone.now()

    apply_transition(practice, name, reviewer)

    practice.refresh_from_db()
    transition = TRANSITIONS[name]
    assert practice.publication_state == transition.target
    assert practice.state_changed_by == reviewer
    assert before <= practice.state_changed_at <= timezone.now()
    assert practice.history.count() == history_before + 1
    entry = practice.history.first()
    assert entry.publication_state == transition.target
    assert entry.history_change_reason == transition.reason
    assert entry.history_user == reviewer


def test_a_curator_submits_a_draft(curator):
    practice = make_practice("to-submit", publication_state=State.DRAFT)
    apply_transition(practice, "submit", curator)
    practice.refresh_from_db()
    assert practice.publication_state == State.IN_REVIEW
    assert practice.state_changed_by == curator
    assert practice.history.first().history_change_reason == "Submitted for review"


@pytest.mark.parametrize(("name", "source"), WRONG_STATE)
def test_a_transition_from_the_wrong_state_changes_nothing(reviewer, name, source):
    practice = make_practice("staying", publication_state=source)
    before = stored(practice)

    with pytest.raises(WrongState) as raised:
        apply_transition(practice, name, reviewer)

    assert "Staying" in raised.value.message
    assert stored(practice) == before


@pytest.mark.parametrize("name", PUBLISH_FAMILY)
def test_a_curator_may_not_publish_unpublish_send_back_archive_or_restore(curator, name):
    practice = make_practice("curated", publication_state=sorted(TRANSITIONS[name].sources)[0])
    before = stored(practice)

    with pytest.raises(TransitionNotPermitted):
        apply_transition(practice, name, curator)

    assert stored(practice) == before


@pytest.mark.parametrize(("name", "source"), ALLOWED)
def test_a_user_outside_the_roles_may_apply_no_transition(outsider, name, source):
    practice = make_practice("untouched", publication_state=source)
    before = stored(practice)
    with pytest.raises(TransitionNotPermitted):
        apply_transition(practice, name, outsider)
    assert stored(practice) == before


def test_an_inactive_reviewer_may_apply_no_transition(reviewer):
    reviewer.is_active = False
    reviewer.save()
    practice = make_practice("inactive", publication_state=State.IN_REVIEW)
    before = stored(practice)
    with pytest.raises(TransitionNotPermitted):
        apply_transition(practice, "publish", reviewer)
    assert stored(practice) == before


def test_an_unknown_transition_changes_nothing(superuser):
    practice = make_practice("unknown", publication_state=State.DRAFT)
    before = stored(practice)
    with pytest.raises(UnknownTransition):
        apply_transition(practice, "publish_now", superuser)
    assert stored(practice) == before


def test_the_state_is_read_from_the_database_not_from_a_stale_object(reviewer):
    # Another reviewer archived it after this copy was loaded: publishing must not revive it.
    practice = make_practice("stale", publication_state=State.IN_REVIEW)
    Practice.objects.filter(pk=practice.pk).update(publication_state=State.ARCHIVED)
    before = stored(practice)
    with pytest.raises(WrongState):
        apply_transition(practice, "publish", reviewer)
    assert stored(practice) == before


def test_a_transition_writes_only_the_workflow_fields(reviewer):
    practice = make_practice("only-state", publication_state=State.IN_REVIEW)
    Practice.objects.filter(pk=practice.pk).update(updated_at=timezone.now() - timedelta(days=1))
    practice.refresh_from_db()
    old_updated_at = practice.updated_at
    practice.title = "An unsaved edit"

    apply_transition(practice, "publish", reviewer)

    row, _count = stored(practice)
    assert row["title"] == "Only State"
    assert row["updated_at"] > old_updated_at


def test_the_change_reason_does_not_stick_to_the_next_save(reviewer):
    practice = make_practice("later-edit", publication_state=State.IN_REVIEW)
    apply_transition(practice, "publish", reviewer)
    practice.summary = "Edited afterwards."
    practice.save()
    assert practice.history.first().history_change_reason is None


def test_the_transitions_offered_depend_on_role_and_state(curator, reviewer):
    offered = {
        (role, state): [
            t.name for t in available_transitions(Practice(publication_state=state), user)
        ]
        for role, user in [("curator", curator), ("reviewer", reviewer)]
        for state in State.values
    }
    assert offered == {
        ("curator", "draft"): ["submit"],
        ("curator", "in_review"): [],
        ("curator", "published"): [],
        ("curator", "archived"): [],
        ("reviewer", "draft"): ["submit", "archive"],
        ("reviewer", "in_review"): ["publish", "send_back", "archive"],
        ("reviewer", "published"): ["unpublish", "archive"],
        ("reviewer", "archived"): ["restore"],
    }
    assert [t.name for t in transitions_for_user(curator)] == ["submit"]
    assert [t.name for t in transitions_for_user(reviewer)] == list(TRANSITIONS)


# -- the changelist's actions -------------------------------------------------------------


def run_action(client, action, practices):
    return client.post(
        reverse("admin:practices_practice_changelist"),
        {"action": action, "_selected_action": [p.pk for p in practices], "index": 0},
        follow=True,
    )


def test_an_action_moves_the_practices_it_applies_to_and_names_the_others(client, reviewer):
    ready = [
        make_practice(f"ready-{i}", publication_state=State.IN_REVIEW, title=f"Ready {i}")
        for i in range(3)
    ]
    draft = make_practice("not-ready", publication_state=State.DRAFT, title="Still a draft")
    gone = make_practice("gone", publication_state=State.ARCHIVED, title="Long archived")
    before = [stored(draft), stored(gone)]
    client.force_login(reviewer)

    response = run_action(client, "publish_selected", [*ready, draft, gone])

    assert response.status_code == 200
    for practice in ready:
        practice.refresh_from_db()
        assert practice.publication_state == State.PUBLISHED
        assert practice.state_changed_by == reviewer
        assert practice.history.first().history_change_reason == "Published"
    assert [stored(draft), stored(gone)] == before
    success, warning = messages_of(response)
    assert success == "3 practices are now published."
    assert "2 practices were left as they were" in warning
    assert "“Still a draft” (draft)" in warning and "“Long archived” (archived)" in warning
    assert "that is in review" in warning


def test_archive_applies_to_every_state_but_archived(client, reviewer):
    practices = [make_practice(f"p-{s}", publication_state=s) for s in State.values]
    client.force_login(reviewer)
    response = run_action(client, "archive_selected", practices)
    assert Practice.objects.filter(slug__startswith="p-", publication_state="archived").count() == 4
    assert messages_of(response)[0] == "3 practices are now archived."
    assert "1 practice was left as it was" in messages_of(response)[1]


def test_the_actions_offered_are_the_users_transitions(client, curator, reviewer):
    url = reverse("admin:practices_practice_changelist")
    offered = {}
    for user in (curator, reviewer):
        client.force_login(user)
        choices = client.get(url).context["action_form"].fields["action"].choices
        offered[user.username] = {name for name, _label in choices if name.endswith("_selected")}
    assert offered["curator"] == {"submit_selected"}
    assert offered["reviewer"] == {f"{name}_selected" for name in TRANSITIONS} | {"delete_selected"}


# -- the change page's buttons ------------------------------------------------------------


def change_url(practice):
    return reverse("admin:practices_practice_change", args=[practice.pk])


def transition_url(practice):
    return reverse("admin:practices_practice_transition", args=[practice.pk])


def test_the_change_page_offers_the_allowed_transitions_as_buttons(client, reviewer, curator):
    practice = make_practice("buttons", publication_state=State.IN_REVIEW)
    client.force_login(reviewer)
    html = client.get(change_url(practice)).content.decode()
    assert f'action="{transition_url(practice)}"' in html
    for name in ("publish", "send_back", "archive"):
        assert f'name="transition" value="{name}"' in html
    assert 'value="unpublish"' not in html and 'value="submit"' not in html

    client.force_login(curator)
    html = client.get(change_url(practice)).content.decode()
    assert 'name="transition"' not in html
    assert "Publication state: <strong>in review</strong>" in html


def test_a_button_applies_its_transition_and_goes_back_to_the_page(client, reviewer):
    practice = make_practice("button-press", publication_state=State.IN_REVIEW)
    client.force_login(reviewer)
    response = client.post(transition_url(practice), {"transition": "publish"})
    assert response.status_code == 302
    assert response["Location"] == change_url(practice)
    practice.refresh_from_db()
    assert practice.publication_state == State.PUBLISHED
    assert practice.state_changed_by == reviewer
    assert practice.history.first().history_change_reason == "Published"
    assert messages_of(response) == ["“Button Press” is now published."]


@pytest.mark.parametrize("transition", ["unpublish", "restore", "publish_now", ""])
def test_a_button_that_does_not_apply_says_why_and_changes_nothing(client, reviewer, transition):
    practice = make_practice("no-press", publication_state=State.IN_REVIEW)
    before = stored(practice)
    client.force_login(reviewer)
    response = client.post(transition_url(practice), {"transition": transition})
    assert response.status_code == 302
    assert stored(practice) == before
    [message] = messages_of(response)
    assert "No Press" in message or "no step" in message


def test_the_transition_view_takes_only_a_post(client, reviewer):
    practice = make_practice("get-only", publication_state=State.IN_REVIEW)
    client.force_login(reviewer)
    assert client.get(transition_url(practice), {"transition": "publish"}).status_code == 405
    practice.refresh_from_db()
    assert practice.publication_state == State.IN_REVIEW


def test_the_transition_view_needs_the_csrf_token(reviewer):
    practice = make_practice("no-token", publication_state=State.IN_REVIEW)
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    response = client.post(transition_url(practice), {"transition": "publish"})
    assert response.status_code == 403
    practice.refresh_from_db()
    assert practice.publication_state == State.IN_REVIEW


def test_an_unknown_practice_is_reported_not_an_error(client, reviewer):
    client.force_login(reviewer)
    url = reverse("admin:practices_practice_transition", args=[999999])
    response = client.post(url, {"transition": "publish"})
    assert response.status_code == 302
    assert "doesn’t exist" in messages_of(response)[0]


def test_the_changelist_shows_the_state_and_filters_by_it(client, reviewer):
    make_practice("under-review", publication_state=State.IN_REVIEW, title="Under review")
    client.force_login(reviewer)
    url = reverse("admin:practices_practice_changelist")
    response = client.get(url, {"publication_state__exact": "in_review"})
    assert [p.slug for p in response.context["cl"].result_list] == ["under-review"]
    assert "publication_state" in response.context["cl"].list_display
    assert "In review" in response.content.decode()


def test_the_state_is_shown_but_not_editable_on_the_form(client, reviewer):
    practice = make_practice("read-only-state", publication_state=State.IN_REVIEW)
    client.force_login(reviewer)
    for url in [change_url(practice), reverse("admin:practices_practice_add")]:
        form = client.get(url).context["adminform"].form
        assert not {"publication_state", "state_changed_at", "state_changed_by"} & set(form.fields)
