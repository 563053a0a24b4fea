"""The admin's index page is a desk: reviewers see what waits for a decision, oldest first, with
counts and links to the full lists; curators see what came back to them. A fixed number of
queries whatever the queues hold."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from practices.curation import desk
from practices.curation.workflow import apply_transition
from practices.models import Practice, PracticeRevision, Submission
from tests.conftest import make_practice, make_user

pytestmark = pytest.mark.django_db

INDEX = "/admin/"
State = Practice.PublicationState


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def in_review(slug: str, by, days: float) -> Practice:
    return make_practice(
        slug,
        publication_state=State.IN_REVIEW,
        state_changed_by=by,
        state_changed_at=days_ago(days),
    )


def revision(practice, by, days: float, **fields) -> PracticeRevision:
    made = PracticeRevision.objects.create(
        practice=practice, content={}, base={}, created_by=by, updated_by=by, **fields
    )
    PracticeRevision.objects.filter(pk=made.pk).update(updated_at=days_ago(days))
    made.refresh_from_db()
    return made


def sent_back(slug: str, curator, reviewer) -> Practice:
    practice = make_practice(slug, publication_state=State.DRAFT)
    apply_transition(practice, "submit", curator)
    apply_transition(practice, "send_back", reviewer)
    return practice


def queues(response) -> dict[str, desk.Queue]:
    return {queue.key: queue for queue in response.context["desk_queues"]}


def verify_everything() -> None:
    Practice.objects.update(verified_on=timezone.localdate())


# -- reviewers -------------------------------------------------------------------------------


def test_a_reviewer_sees_the_four_queues_oldest_first(client, reviewer, curator):
    newer = in_review("newer-submission", curator, days=1)
    older = in_review("older-submission", curator, days=8)
    waiting = revision(Practice.objects.get(slug="pt-choices-programme"), curator, days=2)
    client.force_login(reviewer)

    response = client.get(INDEX)

    found = queues(response)
    assert list(found) == ["submissions", "in-review", "pending-revisions", "out-of-date"]
    review = found["in-review"]
    assert review.count == 2
    assert [item.title for item in review.items] == [older.title, newer.title]
    assert review.items[0].meta == "Submitted by curator, 1\xa0week ago"
    assert review.items[0].url == reverse("admin:practices_practice_change", args=[older.pk])
    revisions = found["pending-revisions"]
    assert (revisions.count, revisions.items[0].meta) == (1, "Saved by curator, 2\xa0days ago")
    assert revisions.items[0].url == reverse(
        "admin:practices_practicerevision_change", args=[waiting.pk]
    )
    html = response.content.decode()
    assert html.index('id="desk-in-review"') < html.index('id="desk-pending-revisions"')
    assert html.index('id="desk-out-of-date"') < html.index('class="app-practices')
    assert f'<a href="{review.items[0].url}">{older.title}</a>' in html


def test_out_of_date_lists_published_practices_least_recently_verified_first(client, reviewer):
    verify_everything()
    stale = Practice.objects.get(slug="pt-choices-programme")
    staler = Practice.objects.get(slug="bh-abolition-kafeel-sponsorship")
    Practice.objects.filter(pk=stale.pk).update(
        verified_on=datetime.date(2020, 5, 4), verified_by=reviewer
    )
    Practice.objects.filter(pk=staler.pk).update(verified_on=None)
    make_practice("old-draft", publication_state=State.DRAFT, status_as_of=2001)
    client.force_login(reviewer)

    queue = queues(client.get(INDEX))["out-of-date"]

    assert [item.title for item in queue.items] == [staler.title, stale.title]
    assert queue.items[0].meta == "Never verified; status as of 2010"
    assert queue.items[1].meta == "Last verified on May 4, 2020 by reviewer"


def test_a_long_queue_shows_the_oldest_ten_and_links_to_the_rest(client, reviewer, curator):
    for i in range(13):
        in_review(f"waiting-{i:02}", curator, days=20 - i)
    client.force_login(reviewer)

    response = client.get(INDEX)

    queue = queues(response)["in-review"]
    assert (queue.count, len(queue.items), queue.more) == (13, 10, 3)
    assert queue.items[0].title == "Waiting 00"
    html = response.content.decode()
    assert "3 more: open the full list" in html
    assert html.count('<span class="desk-count">13</span>') == 1


def test_each_queue_links_to_a_full_list_holding_exactly_its_items(client, reviewer, curator):
    in_review("waiting-one", curator, days=3)
    revision(Practice.objects.get(slug="pt-choices-programme"), curator, days=1)
    revision(
        Practice.objects.get(slug="bh-abolition-kafeel-sponsorship"),
        curator,
        days=1,
        state=PracticeRevision.State.SENT_BACK,
    )
    Practice.objects.filter(slug="pt-choices-programme").update(verified_on=timezone.localdate())
    make_practice("stale-draft", publication_state=State.DRAFT, status_as_of=2001)
    client.force_login(reviewer)

    for queue in queues(client.get(INDEX)).values():
        changelist = client.get(queue.list_url)
        assert changelist.status_code == 200, queue.key
        assert changelist.context["cl"].result_count == queue.count, queue.key
    out_of_date = queues(client.get(INDEX))["out-of-date"]
    assert "currency=out_of_date" in out_of_date.list_url


def test_empty_queues_say_so_kindly(client, reviewer):
    verify_everything()
    client.force_login(reviewer)

    response = client.get(INDEX)

    assert [queue.count for queue in queues(response).values()] == [0, 0, 0, 0]
    html = response.content.decode()
    assert "No submission from the public form is waiting for a reviewer." in html
    assert "Nothing is waiting for review" in html
    assert "No change to a published practice is waiting for a decision." in html
    assert "Every published practice was verified in the last 3 years." in html
    assert "open the full list" not in html.lower()


@pytest.mark.parametrize("size", [0, 15])
def test_the_reviewers_desk_costs_the_same_whatever_the_queues_hold(
    client, reviewer, curator, django_assert_num_queries, size
):
    published = list(Practice.objects.published().order_by("pk")[:size])
    for i, practice in enumerate(published):
        revision(practice, curator, days=i)
        in_review(f"waiting-{i:02}", curator, days=i)
        Submission.objects.create(title=f"Submitted {i}", content={}, language="en")
    client.force_login(reviewer)
    # session, user, role (admin site); the user's and groups' permissions; the four
    # queues, a count and a page each; the recent actions.
    with django_assert_num_queries(14):
        response = client.get(INDEX)
    assert queues(response)["pending-revisions"].count == size
    assert queues(response)["submissions"].count == size


# -- curators --------------------------------------------------------------------------------


def test_a_curator_sees_their_practices_and_revisions_sent_back(
    client, curator, reviewer, django_user_model
):
    other = make_user(django_user_model, "other-curator", "curator")
    mine = sent_back("mine-sent-back", curator, reviewer)
    sent_back("theirs-sent-back", other, reviewer)
    in_review("mine-still-in-review", curator, days=1)
    resubmitted = sent_back("mine-resubmitted", curator, reviewer)
    apply_transition(resubmitted, "submit", curator)
    my_revision = revision(
        Practice.objects.get(slug="pt-choices-programme"),
        curator,
        days=1,
        state=PracticeRevision.State.SENT_BACK,
        decided_by=reviewer,
        decided_at=days_ago(1),
        message="Please cite the 2009 figure.",
    )
    revision(
        Practice.objects.get(slug="bh-abolition-kafeel-sponsorship"),
        other,
        days=1,
        state=PracticeRevision.State.SENT_BACK,
    )
    client.force_login(curator)

    response = client.get(INDEX)

    found = queues(response)
    assert list(found) == ["practices-sent-back", "revisions-sent-back"]
    assert [item.title for item in found["practices-sent-back"].items] == [mine.title]
    assert found["practices-sent-back"].items[0].meta == "Sent back by reviewer, just now"
    revisions = found["revisions-sent-back"]
    assert [item.url for item in revisions.items] == [
        reverse("admin:practices_practicerevision_change", args=[my_revision.pk])
    ]
    assert revisions.items[0].meta == "Sent back by reviewer, 1\xa0day ago"
    assert "Please cite the 2009 figure." in response.content.decode()
    changelist = client.get(found["practices-sent-back"].list_url)
    assert [p.slug for p in changelist.context["cl"].result_list] == ["mine-sent-back"]


def test_a_curator_with_nothing_sent_back_is_told_so(client, curator):
    client.force_login(curator)

    response = client.get(INDEX)

    html = response.content.decode()
    assert "None of the practices you submitted has been sent back." in html
    assert "None of your changes to published practices has been sent back." in html
    assert 'id="desk-in-review"' not in html


@pytest.mark.parametrize("size", [0, 12])
def test_the_curators_desk_costs_the_same_whatever_the_queues_hold(
    client, curator, reviewer, django_assert_num_queries, size
):
    for i in range(size):
        sent_back(f"sent-back-{i:02}", curator, reviewer)
    client.force_login(curator)
    # session, user, role; permissions (user's, groups'); two queues, a count and a page
    # each; the recent actions.
    with django_assert_num_queries(10):
        response = client.get(INDEX)
    assert queues(response)["practices-sent-back"].count == size


# -- the changelist filter -------------------------------------------------------------------


def test_the_currency_filter_splits_practices_into_overdue_and_current(admin_client):
    verify_everything()
    Practice.objects.filter(slug="pt-choices-programme").update(verified_on=None)
    changelist = reverse("admin:practices_practice_changelist")

    overdue = admin_client.get(changelist, {"currency": "out_of_date"}).context["cl"]
    current = admin_client.get(changelist, {"currency": "current"}).context["cl"]

    assert [p.slug for p in overdue.result_list] == ["pt-choices-programme"]
    assert current.result_count == Practice.objects.count() - 1
