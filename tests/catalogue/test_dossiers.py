"""A dossier's pages and files: its owner's, and the read-only shared link's.

A dossier holds its filter's practices (as the list gives them), plus those added by hand,
less those removed; its countries in the order given; its notes under their practices; and
says which practices changed after it was made. Its shared page shows published practices
only, whatever was picked by hand, and dies with its link.
"""

import datetime
import io
import re

import docx
import openpyxl
import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from practices.catalogue.brief import pdf
from practices.models import Dossier, DossierPractice, Practice
from tests.conftest import make_dossier, make_practice, normalise

pytestmark = pytest.mark.django_db

Change = DossierPractice.Change
State = Practice.PublicationState
# A filter no practice passes: the dossier is its hand-picked practices only.
NOTHING = "year_from=2100"


def published(*slugs) -> list[Practice]:
    found = {p.slug: p for p in Practice.objects.published().filter(slug__in=slugs)}
    return [found[slug] for slug in slugs]


def list_titles(client, query: str) -> list[str]:
    """The list page's practices for ``query``, in its order."""
    page = client.get(f"/practices/?{query}&page_size=100").context["page"]
    assert not page.has_next()
    return [practice.title for practice in page.object_list]


def titles(response) -> list[str]:
    return [entry.title for entry in response.context["brief"].entries]


def owner_url(dossier, name="dossier") -> str:
    return reverse(f"practices:{name}", args=[dossier.pk])


def shared_url(dossier, name="dossier-shared") -> str:
    return reverse(f"practices:{name}", args=[dossier.share_token])


def entry_html(html: str, practice: Practice) -> str:
    """The practice's full description in the page (its first one)."""
    found = re.search(
        rf'<article class="brief-entry" id="p-{practice.slug}">(.*?)</article>', html, re.S
    )
    assert found, practice.slug
    return found.group(1)


@pytest.fixture
def preparer_client(client, preparer):
    client.force_login(preparer)
    return client


# -- what a dossier holds -------------------------------------------------------------------


def test_it_holds_the_filters_practices_plus_the_added_less_the_removed(
    client, preparer, preparer_client
):
    query = "theme=family-reunification&sort=newest"
    from_filter = list_titles(client, query)
    assert len(from_filter) >= 3
    removed = Practice.objects.get(title=from_filter[1])
    added = published("ph-tulay-project", "mx-programa-paisano")
    already = Practice.objects.get(title=from_filter[0])  # added, but the filter gives it
    dossier = make_dossier(
        preparer,
        query=query,
        picks=[
            (added[0], Change.ADDED, ""),
            (added[1], Change.ADDED, ""),
            (already, Change.ADDED, ""),
            (removed, Change.REMOVED, ""),
        ],
    )

    response = preparer_client.get(owner_url(dossier))

    assert response.status_code == 200
    expected = [t for t in from_filter if t != removed.title]
    expected += sorted((p.title for p in added), key=str.lower)
    assert titles(response) == expected
    html = response.content.decode()
    assert escape(removed.title) not in html
    assert "Hand-picked: +2, −1" in html


def test_a_searchs_ranking_is_kept_before_the_added_practices(client, preparer, preparer_client):
    query = "q=children migrant"
    from_search = list_titles(client, query)
    assert len(from_search) >= 3
    added = published("pt-family-reunification-support-offices")
    assert added[0].title not in from_search
    dossier = make_dossier(preparer, query=query, picks=[(added[0], Change.ADDED, "")])
    response = preparer_client.get(owner_url(dossier))
    assert titles(response) == [*from_search, added[0].title]


def test_an_empty_filter_is_every_published_practice(client, preparer, preparer_client):
    dossier = make_dossier(preparer)
    assert titles(preparer_client.get(owner_url(dossier))) == list_titles(client, "")


def test_its_countries_come_in_the_given_order(preparer, preparer_client):
    dossier = make_dossier(preparer, query="country=MX&country=PH", countries="PH, mex")
    response = preparer_client.get(owner_url(dossier))
    sections = [section.heading for section in response.context["brief"].sections]
    assert sections[:2] == ["Philippines", "Mexico"]
    html = response.content.decode()
    assert html.index('id="country-PH"') < html.index('id="country-MX"')


def test_a_note_is_shown_under_its_practice(preparer, preparer_client):
    noted, other = published("mx-programa-paisano", "ph-tulay-project")
    dossier = make_dossier(
        preparer,
        query=NOTHING,
        picks=[
            (noted, Change.ADDED, "Ask the Mexican delegation for 2024 figures."),
            (other, Change.ADDED, ""),
        ],
    )
    html = preparer_client.get(owner_url(dossier)).content.decode()
    assert "Ask the Mexican delegation for 2024 figures." in entry_html(html, noted)
    assert "brief-note" not in entry_html(html, other)


def test_a_note_alone_annotates_a_practice_of_the_filter(preparer, preparer_client):
    [noted] = published("mx-programa-paisano")
    dossier = make_dossier(
        preparer, query="country=MX", picks=[(noted, Change.NOTE, "Our host country's own.")]
    )
    response = preparer_client.get(owner_url(dossier))
    assert escape("Our host country's own.") in entry_html(response.content.decode(), noted)
    assert not [label for label, _value in response.context["brief"].asked if "Hand" in label]


def test_a_practice_changed_after_the_dossier_was_made_says_when(preparer, preparer_client):
    changed, unchanged = published("mx-programa-paisano", "ph-tulay-project")
    dossier = make_dossier(
        preparer,
        query=NOTHING,
        picks=[(changed, Change.ADDED, ""), (unchanged, Change.ADDED, "")],
    )
    later = dossier.created_at + datetime.timedelta(days=3)
    Practice.objects.filter(pk=changed.pk).update(updated_at=later)

    html = preparer_client.get(owner_url(dossier)).content.decode()

    day = f"{later.day} {later:%B} {later.year}"
    assert f"Changed on {day}, after this dossier was made." in entry_html(html, changed)
    assert "after this dossier was made" not in entry_html(html, unchanged)
    assert html.count("after this dossier was made") == 1


# -- who sees what ----------------------------------------------------------------------------


@pytest.fixture
def draft():
    return make_practice(
        "dossier-draft", title="Zyxquorble draft on kinship care", publication_state=State.DRAFT
    )


def test_the_shared_page_never_shows_a_draft_even_picked_by_hand(client, curator, draft):
    [kept] = published("ph-tulay-project")
    dossier = make_dossier(
        curator,
        query=NOTHING,
        picks=[(draft, Change.ADDED, "a draft's note"), (kept, Change.ADDED, "")],
    )
    dossier.share()

    response = client.get(shared_url(dossier))

    assert response.status_code == 200
    html = response.content.decode()
    assert draft.title not in html and draft.slug not in html and "a draft's note" not in html
    assert titles(response) == [kept.title]
    assert "Hand-picked: +1, −0" in html  # the draft is not even counted
    body = client.get(shared_url(dossier, "dossier-shared-docx")).content
    assert draft.title not in docx_text(body)


def test_the_owner_sees_a_picked_draft_flagged_when_a_curator(client, curator, draft):
    dossier = make_dossier(curator, query=NOTHING, picks=[(draft, Change.ADDED, "")])
    client.force_login(curator)
    html = client.get(owner_url(dossier)).content.decode()
    assert "Not published: only signed-in curators see it here." in entry_html(html, draft)


def test_a_preparer_who_cannot_see_drafts_does_not_see_one_in_their_dossier(
    preparer, preparer_client, draft
):
    dossier = make_dossier(preparer, query=NOTHING, picks=[(draft, Change.ADDED, "")])
    response = preparer_client.get(owner_url(dossier))
    assert titles(response) == []
    assert draft.title not in response.content.decode()


def test_a_practice_unpublished_after_being_picked_leaves_the_shared_page(client, preparer):
    [picked] = published("ph-tulay-project")
    dossier = make_dossier(preparer, query=NOTHING, picks=[(picked, Change.ADDED, "")])
    dossier.share()
    assert titles(client.get(shared_url(dossier))) == [picked.title]
    Practice.objects.filter(pk=picked.pk).update(publication_state=State.ARCHIVED)
    assert titles(client.get(shared_url(dossier))) == []


@pytest.mark.parametrize("name", ["dossier", "dossier-pdf", "dossier-docx"])
def test_another_users_dossier_is_not_found(client, curator, preparer, name):
    dossier = make_dossier(curator)
    client.force_login(preparer)
    assert client.get(owner_url(dossier, name)).status_code == 404


def test_a_superuser_opens_anyones_dossier(admin_client, preparer):
    dossier = make_dossier(preparer, query=NOTHING)
    assert admin_client.get(owner_url(dossier)).status_code == 200


@pytest.mark.parametrize("name", ["dossier", "dossier-pdf", "dossier-docx"])
def test_signing_in_is_asked_for_first(client, preparer, name):
    dossier = make_dossier(preparer)
    response = client.get(owner_url(dossier, name))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={owner_url(dossier, name)}"


@pytest.mark.parametrize(
    "url",
    [
        "/dossiers/0/",
        "/dossiers/999999/",
        "/dossiers/99999999999999999999999/",
        "/dossiers/٣/",
        "/dossiers/x/",
        "/dossiers/999999/brief.pdf",
        "/dossiers/shared/not-a-token/",
        "/dossiers/shared/" + "a" * 43 + "/",
        "/dossiers/shared/" + "a" * 43 + "/brief.docx",
        "/dossiers/shared/" + "a" * 300 + "/",
        "/dossiers/shared/%00%00%00%00%00%00%00%00%00%00%00%00/",
    ],
)
def test_an_unknown_dossier_or_token_is_not_found(preparer_client, url):
    assert preparer_client.get(url).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "theme=no-such-theme&year_from=abc&min_rating=9&sort=nonsense",
        "%%%&&==&q=" + "x" * 500,
        # More parameters than Django reads (settings.DATA_UPLOAD_MAX_NUMBER_FIELDS, set low).
        "&".join(["theme=children"] * 120),
        "country=%00&coo=ZZ&cod=%FF%FE&page=-1",
    ],
)
def test_a_malformed_stored_filter_still_gives_the_page(client, preparer, settings, query):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
    dossier = make_dossier(preparer, query=query, countries="MX, ??, Narnia")
    dossier.share()
    client.force_login(preparer)
    for url in (owner_url(dossier), shared_url(dossier)):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "Narnia" in response.content.decode()  # among the words that are not countries


def test_a_shared_link_is_kept_out_of_search_engines_and_caches(client, preparer):
    dossier = make_dossier(preparer, query=NOTHING)
    dossier.share()
    response = client.get(shared_url(dossier))
    assert response["X-Robots-Tag"].startswith("noindex")
    assert "no-store" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    # The owner's tools (editing, the share buttons) are not on it.
    html = response.content.decode()
    assert "Revoke share link" not in html and "/admin/" not in html


# -- the link ---------------------------------------------------------------------------------


def test_revoking_kills_the_link_and_sharing_again_makes_another(client, preparer):
    dossier = make_dossier(preparer, query=NOTHING)
    dossier.share()
    first = shared_url(dossier)
    assert client.get(first).status_code == 200

    dossier.revoke_share()
    assert client.get(first).status_code == 404
    assert Dossier.objects.get(pk=dossier.pk).share_token is None

    dossier.share()
    second = shared_url(dossier)
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert len(dossier.share_token) >= 43  # secrets.token_urlsafe(32)


def test_a_link_stops_with_its_owners_account(client, preparer):
    dossier = make_dossier(preparer, query=NOTHING)
    dossier.share()
    preparer.is_active = False
    preparer.save()
    assert client.get(shared_url(dossier)).status_code == 404


def test_the_owners_page_shows_the_links_state_and_its_buttons(preparer, preparer_client):
    dossier = make_dossier(preparer, query=NOTHING)
    html = preparer_client.get(owner_url(dossier)).content.decode()
    assert "Not shared" in html and 'value="create"' in html and "csrfmiddlewaretoken" in html
    dossier.share()
    html = preparer_client.get(owner_url(dossier)).content.decode()
    assert f"http://testserver{shared_url(dossier)}" in html and 'value="revoke"' in html


def test_sharing_from_the_owners_page_comes_back_to_it(preparer, preparer_client):
    dossier = make_dossier(preparer, query=NOTHING)
    share = reverse("admin:practices_dossier_share", args=[dossier.pk])
    response = preparer_client.post(
        share, {"action": "create", "next": owner_url(dossier)}, follow=True
    )
    assert response.redirect_chain[-1][0] == owner_url(dossier)
    dossier.refresh_from_db()
    assert dossier.is_shared
    assert "is shared read-only" in response.content.decode()  # the message, shown there
    # Sent elsewhere than this site: back to the change page instead.
    response = preparer_client.post(share, {"action": "revoke", "next": "https://evil.example/"})
    assert response["Location"] == reverse("admin:practices_dossier_change", args=[dossier.pk])


# -- the files --------------------------------------------------------------------------------


def docx_text(body: bytes) -> str:
    document = docx.Document(io.BytesIO(body))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def pdf_text(body: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(body))
    return normalise(" ".join(page.extract_text() for page in reader.pages))


def test_the_shared_files_hold_the_pages_practices(client, preparer, draft):
    picked = published("mx-programa-paisano", "ph-tulay-project")
    dossier = make_dossier(
        preparer,
        "Dossier for RT 2.2",
        session="Puerto Vallarta, November 2010",
        query=NOTHING,
        countries="PH, MX",
        picks=[
            (picked[0], Change.ADDED, "Ask about the 2024 figures."),
            (picked[1], Change.ADDED, ""),
            (draft, Change.ADDED, ""),
        ],
    )
    dossier.share()
    page = client.get(shared_url(dossier))
    assert sorted(titles(page)) == sorted(p.title for p in picked)

    pdf = client.get(shared_url(dossier, "dossier-shared-pdf"))
    word = client.get(shared_url(dossier, "dossier-shared-docx"))

    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["X-Robots-Tag"].startswith("noindex")
    assert 'filename="gfmd-dossier-dossier-for-rt-22-' in pdf["Content-Disposition"]
    assert word["Content-Disposition"].endswith('.docx"')
    pdf_words, word_words = pdf_text(pdf.content), docx_text(word.content)
    for text in (pdf_words, normalise(word_words)):
        assert "Dossier for RT 2.2" in text and "Puerto Vallarta, November 2010" in text
        assert "Ask about the 2024 figures." in text
        assert draft.title not in text
        for practice in picked:
            assert normalise(practice.title) in text, practice.slug
        # Countries in the dossier's order.
        assert text.index("Philippines") < text.index("Mexico")
    headings = [
        p.text
        for p in docx.Document(io.BytesIO(word.content)).paragraphs
        if p.style.name == "Heading 4"
    ]
    assert sorted(set(headings)) == sorted(p.title for p in picked)


def test_the_owners_word_file_flags_what_changed(preparer, preparer_client):
    picked = published("ph-tulay-project")
    dossier = make_dossier(preparer, query=NOTHING, picks=[(picked[0], Change.ADDED, "")])
    later = dossier.created_at + datetime.timedelta(days=40)
    Practice.objects.filter(pk=picked[0].pk).update(updated_at=later)
    response = preparer_client.get(owner_url(dossier, "dossier-docx"))
    assert response.status_code == 200
    assert "after this dossier was made" in docx_text(response.content)


# -- the brief page's "Save as a dossier" -----------------------------------------------------


def test_the_brief_offers_to_save_it_as_a_dossier_to_those_who_may(client, preparer, outsider):
    url = "/practices/brief/?theme=children&cod=US&countries=US+MX"
    assert "Save as a dossier" not in client.get(url).content.decode()
    client.force_login(outsider)
    assert "Save as a dossier" not in client.get(url).content.decode()

    client.force_login(preparer)
    response = client.get(url)
    save = response.context["save_dossier_url"]
    assert save.startswith(reverse("admin:practices_dossier_add") + "?")
    form = client.get(save).context["adminform"].form
    assert form.initial["query"] == "theme=children&cod=US"
    assert form.initial["countries"] == "US MX"


# -- a fixed number of queries ----------------------------------------------------------------


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_pages_run_a_fixed_number_of_queries(client, preparer):
    slugs = list(
        Practice.objects.published().exclude(country_links=None).values_list("slug", flat=True)
    )
    assert len(slugs) >= 12
    picks = [(p, Change.ADDED, f"note {p.slug}") for p in published(*slugs)]
    small = make_dossier(preparer, query=NOTHING, countries="MX, PH", picks=picks[:2])
    large = make_dossier(preparer, query=NOTHING, countries="MX, PH", picks=picks[2:12])
    # And by the filter alone: 4 and 18 practices.
    few = make_dossier(preparer, query="theme=family-reunification", countries="MX")
    many = make_dossier(preparer, query="theme=children", countries="MX")
    for dossier in (small, large, few, many):
        dossier.share()
    client.force_login(preparer)
    queries(client, owner_url(small))  # the session, the user, the content types: warm

    counts = {
        "owner, picked": (queries(client, owner_url(small)), queries(client, owner_url(large))),
        "owner, filter": (queries(client, owner_url(few)), queries(client, owner_url(many))),
        "shared": (queries(client, shared_url(small)), queries(client, shared_url(large))),
    }
    assert all(a == b for a, b in counts.values()), counts
    assert counts["owner, picked"][0] <= 16, counts


def test_without_pango_the_pdf_says_so_and_leads_back_to_the_dossier(client, preparer, monkeypatch):
    def missing():
        raise pdf.PdfUnavailable("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(pdf, "weasyprint", missing)
    dossier = make_dossier(preparer, query=NOTHING)
    dossier.share()
    response = client.get(shared_url(dossier, "dossier-shared-pdf"))
    assert response.status_code == 503
    html = response.content.decode()
    assert "cannot be made on this server" in html
    assert f'href="{shared_url(dossier)}"' in html
    assert client.get(shared_url(dossier, "dossier-shared-docx")).status_code == 200


def workbook_slugs(body: bytes) -> list[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True)["Practices"]
    rows = sheet.iter_rows(values_only=True)
    slug = next(rows).index("slug")
    return [row[slug] for row in rows]


def test_the_shared_workbook_holds_the_dossiers_practices_and_never_a_draft(client, curator, draft):
    added, removed = published("ph-tulay-project", "mx-child-protection-officers-opi")
    dossier = make_dossier(
        curator,
        query="country=MX",
        picks=[(added, Change.ADDED, ""), (removed, Change.REMOVED, ""), (draft, Change.ADDED, "")],
    )
    dossier.share()
    page = client.get(shared_url(dossier))
    response = client.get(shared_url(dossier, "dossier-shared-xlsx"))
    assert response.status_code == 200
    assert response["X-Robots-Tag"].startswith("noindex")
    slugs = workbook_slugs(response.content)
    assert slugs == [entry.practice.slug for entry in page.context["brief"].entries]
    assert added.slug in slugs and removed.slug not in slugs and draft.slug not in slugs
    cover = openpyxl.load_workbook(io.BytesIO(response.content))["Cover"]
    assert dossier.title in [cell.value for row in cover.iter_rows() for cell in row]
    # The owner (a curator) gets the picked draft too; a revoked link gets nothing.
    client.force_login(curator)
    assert draft.slug in workbook_slugs(client.get(owner_url(dossier, "dossier-xlsx")).content)
    client.logout()
    token = dossier.share_token
    dossier.revoke_share()
    url = reverse("practices:dossier-shared-xlsx", args=[token])
    assert client.get(url).status_code == 404
