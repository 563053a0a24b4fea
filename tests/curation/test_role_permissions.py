"""Who may do what: only curators, reviewers and preparers reach the admin, only reviewers
decide what the public sees, preparers keep dossiers and do nothing else, and nothing
unpublished is ever visible or exported publicly."""

import json

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from countries.models import Country
from practices.curation.workflow import TRANSITIONS, apply_transition
from practices.models import OutcomeMetric, Practice, Theme
from practices.search_index import update_search_index
from tests.conftest import make_practice

pytestmark = pytest.mark.django_db

State = Practice.PublicationState
UNPUBLISHED = [State.DRAFT, State.IN_REVIEW, State.ARCHIVED]
PUBLISH_FAMILY = [t.name for t in TRANSITIONS.values() if t.codename == "publish_practice"]
LOGIN = reverse("admin:login")


def changelist_urls():
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]


def practice_url(practice, view="change"):
    return reverse(f"admin:practices_practice_{view}", args=[practice.pk])


def stored(practice):
    row = Practice.objects.filter(pk=practice.pk).values(
        "publication_state", "state_changed_at", "state_changed_by", "updated_at"
    )
    return row.get(), practice.history.count()


def form_data(response) -> dict:
    """What a browser would post back from an admin add or change page, left as it is."""
    data = {}
    forms = [response.context["adminform"].form]
    # The history's revert page has no inlines.
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is not None:
                data[form.add_prefix(name)] = value
    return data


# -- who reaches the admin ----------------------------------------------------------------


def test_the_site_is_named_for_the_product(client, curator):
    client.force_login(curator)
    html = client.get(reverse("admin:index")).content.decode()
    assert "GFMD good-practice knowledge base" in html


@pytest.mark.parametrize("url", ["/admin/", "change", "transition"])
def test_an_anonymous_user_is_sent_to_login(client, url):
    practice = Practice.objects.published().first()
    if url == "change":
        url = practice_url(practice)
    elif url == "transition":
        url = practice_url(practice, "transition")
    for response in (client.get(url), client.post(url, {"transition": "unpublish"})):
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
    assert practice.publication_state == State.PUBLISHED


def test_staff_outside_the_roles_reach_neither_the_index_nor_any_changelist(client, outsider):
    client.force_login(outsider)
    urls = ["/admin/", reverse("admin:practices_practice_add"), *changelist_urls()]
    assert len(urls) > 10
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(LOGIN), url
    # The login page it lands on says why, instead of showing the index.
    html = client.get(LOGIN, {"next": "/admin/"}).content.decode()
    assert "not authorized to access this page" in html


def test_staff_outside_the_roles_cannot_move_a_practice(client, outsider):
    practice = make_practice("outsider-target", publication_state=State.IN_REVIEW)
    before = stored(practice)
    client.force_login(outsider)
    response = client.post(practice_url(practice, "transition"), {"transition": "publish"})
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert stored(practice) == before


def test_the_login_form_refuses_staff_outside_the_roles_and_says_why(client, outsider):
    response = client.post(
        LOGIN, {"username": "outsider", "password": "pw-outsider-1", "next": "/admin/"}
    )
    assert response.status_code == 200
    assert "neither a curator nor a reviewer" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("username", ["curator", "reviewer", "preparer"])
def test_each_role_signs_in_and_reaches_the_index(client, curator, reviewer, preparer, username):
    response = client.post(
        LOGIN, {"username": username, "password": f"pw-{username}-1", "next": "/admin/"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_user_loses_the_admin_with_the_role(client, curator):
    curator.groups.remove(Group.objects.get(name="curator"))
    client.force_login(curator)
    assert client.get("/admin/").status_code == 302


def test_a_superuser_needs_no_role(admin_client):
    assert admin_client.get("/admin/").status_code == 200


def test_a_preparer_holds_the_dossiers_permissions_and_nothing_else(preparer):
    assert preparer.get_all_permissions() == {
        "practices.add_dossier",
        "practices.change_dossier",
        "practices.delete_dossier",
        "practices.view_dossier",
    }


@pytest.mark.parametrize("role", ["curator", "reviewer"])
def test_curators_and_reviewers_keep_dossiers_too(request, role):
    user = request.getfixturevalue(role)
    actions = ("add", "change", "delete", "view")
    assert all(user.has_perm(f"practices.{action}_dossier") for action in actions)


# -- what a curator may do ----------------------------------------------------------------


def test_a_curator_reaches_the_practice_changelist_and_add_page(client, curator):
    client.force_login(curator)
    assert client.get(reverse("admin:practices_practice_changelist")).status_code == 200
    assert client.get(reverse("admin:practices_practice_add")).status_code == 200


def test_a_new_practice_starts_as_a_draft_whatever_the_form_says(client, curator):
    client.force_login(curator)
    data = form_data(client.get(reverse("admin:practices_practice_add")))
    data.update(
        {
            "title_en": "Curator's new practice on kinship care",
            "slug": "curators-new-practice",
            "summary_en": "A summary.",
            "description_en": "A description.",
            "themes": [Theme.objects.get(slug="children").pk],
            "scope": Practice.Scope.UNILATERAL,
            "kind": Practice.Kind.PROGRAMME,
            "status": Practice.Status.ONGOING,
            "country_links-0-country": Country.objects.get(iso2="MX").pk,
            "country_links-0-role": "COD",
            # Forged: the form has no such field, and must not take it.
            "publication_state": State.PUBLISHED,
            "state_changed_by": curator.pk,
        }
    )
    response = client.post(reverse("admin:practices_practice_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    practice = Practice.objects.get(slug="curators-new-practice")
    assert practice.publication_state == State.DRAFT
    assert practice.state_changed_by is None
    assert practice.country_links.get().country.iso2 == "MX"
    assert client.get(practice.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("state", [State.IN_REVIEW, State.PUBLISHED])
def test_editing_a_practice_leaves_its_state_alone(client, curator, state):
    practice = make_practice("edited", publication_state=state)
    client.force_login(curator)
    data = form_data(client.get(practice_url(practice)))
    data.update({"summary_en": "A better summary.", "publication_state": State.DRAFT})
    response = client.post(practice_url(practice), data)
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.publication_state == state
    if state == State.PUBLISHED:
        # Saved as the revision a reviewer publishes; the live version is untouched.
        assert practice.summary == "A summary."
        assert practice.revisions.get().content["fields"]["summary_en"] == "A better summary."
    else:
        assert practice.summary == "A better summary."


def test_reverting_to_an_old_version_does_not_bring_back_its_state(client, reviewer):
    # The history's "revert" saves an old version through the form: it restores the text,
    # never the publication state the practice had then.
    practice = make_practice("reverted", publication_state=State.IN_REVIEW)
    old_version = practice.history.first()
    apply_transition(practice, "archive", reviewer)
    client.force_login(reviewer)
    url = reverse(
        "admin:practices_practice_simple_history", args=[practice.pk, old_version.history_id]
    )
    response = client.post(url, form_data(client.get(url)))
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.publication_state == State.ARCHIVED


@pytest.mark.parametrize("name", PUBLISH_FAMILY)
def test_a_curator_is_not_offered_and_cannot_forge_a_reviewers_action(client, curator, name):
    practice = make_practice("forged", publication_state=sorted(TRANSITIONS[name].sources)[0])
    before = stored(practice)
    client.force_login(curator)
    changelist = reverse("admin:practices_practice_changelist")
    choices = client.get(changelist).context["action_form"].fields["action"].choices
    assert f"{name}_selected" not in {choice for choice, _label in choices}

    response = client.post(
        changelist, {"action": f"{name}_selected", "_selected_action": [practice.pk]}
    )
    assert response.status_code in (200, 302)
    assert stored(practice) == before


@pytest.mark.parametrize("name", PUBLISH_FAMILY)
def test_a_curator_cannot_forge_a_reviewers_button(client, curator, name):
    practice = make_practice("forged", publication_state=sorted(TRANSITIONS[name].sources)[0])
    before = stored(practice)
    client.force_login(curator)
    assert f'value="{name}"' not in client.get(practice_url(practice)).content.decode()

    response = client.post(practice_url(practice, "transition"), {"transition": name})
    assert response.status_code == 403
    assert stored(practice) == before


def test_a_curator_submits_with_the_action_and_the_button(client, curator):
    first = make_practice("first-draft", publication_state=State.DRAFT)
    second = make_practice("second-draft", publication_state=State.DRAFT)
    client.force_login(curator)
    client.post(
        reverse("admin:practices_practice_changelist"),
        {"action": "submit_selected", "_selected_action": [first.pk]},
    )
    client.post(practice_url(second, "transition"), {"transition": "submit"})
    for practice in (first, second):
        practice.refresh_from_db()
        assert practice.publication_state == State.IN_REVIEW
        assert practice.state_changed_by == curator


def test_a_curator_cannot_delete_a_practice(client, curator):
    practice = make_practice("kept", publication_state=State.DRAFT)
    client.force_login(curator)
    assert client.post(practice_url(practice, "delete"), {"post": "yes"}).status_code == 403
    assert Practice.objects.filter(pk=practice.pk).exists()


def test_a_reviewer_takes_a_practice_through_the_whole_workflow(client, reviewer):
    practice = make_practice("whole-way", publication_state=State.DRAFT)
    client.force_login(reviewer)
    for name in ["submit", "send_back", "submit", "publish", "unpublish", "archive", "restore"]:
        client.post(practice_url(practice, "transition"), {"transition": name})
        practice.refresh_from_db()
        assert practice.publication_state == TRANSITIONS[name].target, name
    reasons = [entry.history_change_reason for entry in practice.history.order_by("history_id")]
    assert reasons[-7:] == [
        "Submitted for review",
        "Sent back to draft",
        "Submitted for review",
        "Published",
        "Unpublished",
        "Archived",
        "Restored to draft",
    ]


# -- nothing unpublished is public --------------------------------------------------------

UNSEEN_WORD = "Zyxquorble"


def fetch(client, url) -> tuple[int, str]:
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body.decode()


def public_urls(theme, country) -> list[str]:
    """Every public page and export, and those where an unpublished practice would show."""
    return [
        "/",
        "/practices/",
        f"/practices/?q={UNSEEN_WORD}",
        f"/practices/?theme={theme.slug}",
        f"/practices/?country={country.iso2}",
        f"/practices/?cod={country.iso2}",
        "/practices/export.csv",
        "/practices/export.json",
        f"/practices/export.csv?q={UNSEEN_WORD}",
        f"/practices/export.json?theme={theme.slug}",
        "/themes/",
        f"/themes/{theme.slug}/",
        "/themes/children/",
        "/countries/",
        f"/countries/{country.iso2.lower()}/",
        "/countries/mx/",
        "/coverage/",
        "/coverage/?role=COD",
        f"/coverage/map/?country={country.iso2}",
        f"/coverage/corridors/?cod={country.iso2}",
        f"/coverage/evidence/?theme={theme.slug}",
        "/about/",
    ]


@pytest.fixture
def unseen_theme_and_country():
    """A theme and a country that only the unpublished practice will have."""
    theme = Theme.objects.create(slug="unseen-theme", name="Unseen theme", position=99)
    country = (
        Country.objects.filter(practice_links__isnull=True).exclude(region="").order_by("iso2")
    ).first()
    return theme, country


def make_unpublished(state, theme, country):
    practice = make_practice(
        f"unseen-{state}",
        title=f"{UNSEEN_WORD} {state} practice",
        publication_state=state,
        evidence_level=Practice.EvidenceLevel.DESCRIBED,
        paper_section="4.3",
        countries=[(country.iso2, "COD"), ("MX", "COO")],
    )
    practice.themes.add(theme)
    OutcomeMetric.objects.create(
        practice=practice, label="Families reached", value=4242, unit="families", year=2020
    )
    # Tests roll back instead of committing, so the on-commit indexing never runs: index it
    # now, or a search could not find it even if it were published.
    update_search_index(Practice.objects.filter(pk=practice.pk))
    return practice


def counts(client, theme, country) -> dict:
    """The numbers the public pages give that an unpublished practice would change."""
    home = client.get("/").context
    coverage = client.get("/coverage/").context["matrix"]
    countries = client.get("/countries/").context
    return {
        "practices": home["practice_count"],
        "countries": home["country_count"],
        "figures": home["metric_count"],
        "themes": {t.slug: t.practice_count for t in home["themes"]},
        "coverage": coverage.total,
        "coverage_themes": coverage.theme_totals,
        "countries_with_practices": [c.iso2 for c in countries["with_practices"]],
        "country_page": client.get(f"/countries/{country.iso2.lower()}/").context["practice_count"],
    }


@pytest.mark.parametrize("state", UNPUBLISHED)
def test_an_unpublished_practice_is_on_no_public_page_or_export(
    client, reviewer, unseen_theme_and_country, state
):
    theme, country = unseen_theme_and_country
    urls = public_urls(theme, country)
    pages_before = {url: fetch(client, url) for url in urls}
    counts_before = counts(client, theme, country)

    practice = make_unpublished(state, theme, country)

    assert client.get(practice.get_absolute_url()).status_code == 404
    for url in urls:
        status, body = fetch(client, url)
        assert status == 200, url
        assert practice.title not in body and practice.slug not in body, url
        # Not a word, not a count: the page is exactly what it was without the practice.
        assert (status, body) == pages_before[url], url
    assert counts(client, theme, country) == counts_before
    assert counts_before["themes"][theme.slug] == 0
    assert json.loads(fetch(client, f"/practices/export.json?country={country.iso2}")[1]) == []

    # The same practice, published, is on those very pages: the check above can fail.
    practice.publication_state = State.PUBLISHED
    practice.save(update_fields=["publication_state"])  # as the workflow saves it
    assert client.get(practice.get_absolute_url()).status_code == 200
    for url in [
        f"/practices/?q={UNSEEN_WORD}",
        f"/practices/export.csv?q={UNSEEN_WORD}",
        f"/practices/export.json?theme={theme.slug}",
        f"/themes/{theme.slug}/",
        f"/countries/{country.iso2.lower()}/",
        "/countries/mx/",
        "/",
    ]:
        assert practice.title in fetch(client, url)[1], url
    after = counts(client, theme, country)
    assert after["practices"] == counts_before["practices"] + 1
    assert after["themes"][theme.slug] == 1
    assert after["coverage"] == counts_before["coverage"] + 1
    assert after["country_page"] == 1
    assert country.iso2 in after["countries_with_practices"]
