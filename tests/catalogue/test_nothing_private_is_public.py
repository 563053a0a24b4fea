"""Nothing about the people behind the base, and nothing unpublished, reaches the public.

Curators and reviewers with distinctive names write history, evaluations and ratings, and
leave practices in draft, in review and archived; then every public page reachable by links
from the public entry points is crawled, its body and headers searched for any of it.
(``test_permissions`` checks each unpublished state on a fixed list of pages; this follows
every link, and looks for personal data too.)
"""

import json
import re
from collections import deque
from html import unescape
from urllib.parse import urldefrag, urlsplit

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from practices import submissions
from practices.curation.submissions import practice_from
from practices.curation.workflow import apply_transition
from practices.models import Call, Evaluation, Practice, ScorecardRating
from practices.search_index import update_search_index
from tests.conftest import make_practice
from tests.public_urls import PUBLIC_URLS, fetch

pytestmark = pytest.mark.django_db

MAX_PAGES = 300
RATED = "pt-family-reunification-support-offices"
PEOPLE = [
    # username, e-mail, first name, last name, role
    ("zqcurator", "quill.brackwater@curators.example", "Quillonde", "Brackwater", "curator"),
    ("zqreviewer", "ysolde.m@reviewers.example", "Ysolde", "Marrowdane", "reviewer"),
    ("zqnameless", "nameless.rater@reviewers.example", "", "", "reviewer"),
]
UNPUBLISHED = {
    Practice.PublicationState.DRAFT: "Zqdraft Hollowmere scheme",
    Practice.PublicationState.IN_REVIEW: "Zqreview Saltbright pact",
    Practice.PublicationState.ARCHIVED: "Zqarchive Fennwick fund",
}
JSON_EXPORT = "/practices/export.json"


@pytest.fixture
def secrets(django_user_model) -> list[str]:
    """The people's accounts and work, and the unpublished practices: what must stay hidden."""
    users = {}
    for username, email, first, last, role in PEOPLE:
        user = django_user_model.objects.create_user(
            username, email, "pw-x-1", first_name=first, last_name=last, is_staff=True
        )
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    curator, reviewer = users["zqcurator"], users["zqreviewer"]

    # A practice the curator writes and submits and the reviewer publishes: its history and
    # state_changed_by name them.
    published = make_practice("zq-published-by-staff", title="Published with care")
    published.publication_state = Practice.PublicationState.DRAFT
    published._history_user = curator
    published.save()
    apply_transition(published, "submit", curator)
    apply_transition(published, "publish", reviewer)

    rated = Practice.objects.get(slug=RATED)
    evaluation = Evaluation(
        practice=rated, evaluator="ACIDI", year=2012, method="audit", findings="Fine."
    )
    evaluation._history_user = curator
    evaluation.save()
    for criterion, user in zip(
        [ScorecardRating.Criterion.EFFECTIVENESS, ScorecardRating.Criterion.PARTICIPATION],
        [reviewer, users["zqnameless"]],
        strict=True,
    ):
        ScorecardRating.objects.create(
            practice=rated, criterion=criterion, rating=4, justification="Sound.", reviewer=user
        )

    hidden = []
    for state, title in UNPUBLISHED.items():
        practice = make_practice(
            title.lower().replace(" ", "-"), title=title, countries=(("MX", "COO"),)
        )
        practice.publication_state = state
        practice.state_changed_by = reviewer
        practice._history_user = curator
        practice.save()
        hidden += [practice.title, practice.slug]
    # Submitters: one whose practice is published through a call, one declined, one waiting.
    call = Call.objects.create(
        title="Zqcall open", slug="zqcall", text="Open.", deadline=timezone.localdate()
    )
    for number, (name, organisation, email) in enumerate(SUBMITTERS):
        submission = submissions.receive(
            content=form_content(number),
            title=f"Zqsubmitted practice {number}",
            name=name,
            organisation=organisation,
            email=email,
            language="en",
            call=call,
        )
        if number == 0:
            practice = submissions.accept(
                submission, reviewer, lambda s: practice_from(s, None, reviewer)
            )
            apply_transition(practice, "submit", curator)
            apply_transition(practice, "publish", reviewer)
        elif number == 1:
            submissions.decline(submission, reviewer, "Zqreason Quarrowfield")
            hidden += [submission.title, "Zqreason Quarrowfield", submission.token]
        else:
            hidden += [submission.title, submission.token]
    # The index follows a commit, which a test's transaction never makes.
    update_search_index()
    personal = [value for person in PEOPLE for value in person[:4] if value]
    personal += [value for submitter in SUBMITTERS for value in submitter]
    return personal + hidden


SUBMITTERS = [
    ("Thessaly Varnokov", "Zqministry of Farrowmoor", "thessaly.v@farrowmoor.example"),
    ("Ibbotson Quellmere", "Zqagency of Druncastle", "ibbotson@druncastle.example"),
    ("Wenlowe Ashgrint", "Zqnetwork of Pellbury", "wenlowe@pellbury.example"),
]


def form_content(number: int) -> dict:
    """What the public form stores for a small, complete submission."""
    return {
        "title": f"Zqsubmitted practice {number}",
        "summary": "A summary.",
        "description": "A description.",
        "themes": ["children"],
        "target_groups": [],
        "stages": [],
        "gcm_objectives": [],
        "scope": "unilateral",
        "kind": "programme",
        "lead_organisation": "Someone",
        "start_year": 2020,
        "end_year": None,
        "status": "ongoing",
        "evidence_level": "described",
        "evaluation": None,
        "forum": "",
        "criteria": ["accurate", "gcm", "implemented", "principles", "replicable"],
        "countries": [{"country": "MX", "role": "COD", "involvement": "implementing"}],
        "figures": [],
        "sources": [],
    }


def leaks(response, content: str, secrets: list[str]) -> list[str]:
    text = (content + "\n".join(f"{k}: {v}" for k, v in response.items())).lower()
    return [secret for secret in secrets if secret.lower() in text]


def links(content: str) -> list[str]:
    """Internal links of a page, without fragments; the admin and static files left out."""
    found = []
    for href in re.findall(r'href="([^"]*)"', content):
        url = urldefrag(unescape(href)).url
        if url.startswith("?"):
            continue  # relative to the page: reached through the page's own absolute links
        path = urlsplit(url).path
        if (
            url.startswith("/")
            and not url.startswith("//")
            and not path.startswith(("/admin/", "/static/"))
        ):
            found.append(url)
    return found


def test_no_public_page_names_staff_or_shows_unpublished_work(client, secrets):
    queue = deque(
        [*PUBLIC_URLS, f"/practices/{RATED}/", "/practices/?q=zqdraft", "/practices/?q=hollowmere"]
    )
    seen, problems = set(queue), {}
    while queue and len(seen) - len(queue) < MAX_PAGES:
        url = queue.popleft()
        if urlsplit(url).path == JSON_EXPORT:
            continue  # its own test, below
        response, content = fetch(client, url)
        # 202: a long brief's file, being made by the worker; its page is crawled all the same.
        if response.status_code not in (200, 202):
            problems[url] = response.status_code
        if found := leaks(response, content, secrets):
            problems[url] = found
        if "html" in response.get("Content-Type", ""):
            for link in links(content):
                if link not in seen:
                    seen.add(link)
                    queue.append(link)
    assert problems == {}
    assert len(seen) - len(queue) > 50, "the crawl reached the practices and their filters"
    # It reached the call's page, which lists the practice published from it.
    assert "/submit/calls/zqcall/" in seen
    assert "/practices/zqsubmitted-practice-0/" in seen


def test_the_rated_practice_says_who_rated_by_role(client, secrets):
    """The scorecard keeps its "Rated by" column, with the role, not the account."""
    _response, content = fetch(client, f"/practices/{RATED}/")
    assert content.count("a reviewer") == 2
    assert "Sound." in content


def test_the_json_export_names_nobody(client, secrets):
    response, content = fetch(client, JSON_EXPORT)
    json.loads(content)
    assert leaks(response, content, secrets) == []
