"""A figure's value in the admin: shown as the curator wrote it (17000, 12.5, not 17000.00),
and read by the import's rule, so a decimal comma or a point that may separate thousands is
an error that says what to write, never a guess."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from practices.models import OutcomeMetric
from tests.conftest import make_practice
from tests.curation.admin_form import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures():
    """17000 children and 12.5 %, stored as 17000.00 and 12.50."""
    practice = make_practice("figures-practice")
    written = [("Children", "17000.00", "children"), ("Share", "12.50", "%")]
    return [
        OutcomeMetric.objects.create(
            practice=practice, label=label, value=Decimal(value), unit=unit, year=2010, position=i
        )
        for i, (label, value, unit) in enumerate(written, start=1)
    ]


def change_url(metric) -> str:
    return reverse("admin:practices_outcomemetric_change", args=[metric.pk])


def input_value(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    assert tag, name
    return re.search(r'value="([^"]*)"', tag.group(0)).group(1)


def save_value(client, metric, value: str, **extra):
    data = form_data(client.get(change_url(metric), **extra), "outcomemetric_form")
    return client.post(change_url(metric), {**data, "value": value}, **extra)


def value_errors(response) -> list[str]:
    assert response.status_code == 200, "the form was saved"
    return response.context["adminform"].form.errors.get("value", [])


# -- shown as written ---------------------------------------------------------------------


def test_the_figure_form_shows_the_value_as_written(client, curator, figures):
    client.force_login(curator)
    children, share = figures
    assert input_value(client.get(change_url(children)).content.decode(), "value") == "17000"
    assert input_value(client.get(change_url(share)).content.decode(), "value") == "12.5"


def test_the_practice_forms_figures_show_their_values_as_written(client, curator, figures):
    client.force_login(curator)
    practice = figures[0].practice
    html = client.get(reverse("admin:practices_practice_change", args=[practice.pk])).content
    html = html.decode()
    assert input_value(html, "metrics-0-value") == "17000"
    assert input_value(html, "metrics-1-value") == "12.5"
    # A text box: a browser sends nothing for "12,5" typed in a number box.
    assert 'name="metrics-0-value"' in html and 'inputmode="decimal"' in html


def test_the_list_and_the_history_show_values_as_written(client, curator, figures):
    client.force_login(curator)
    children = figures[0]
    assert save_value(client, children, "17,500").status_code == 302
    listing = client.get(reverse("admin:practices_outcomemetric_changelist")).content.decode()
    assert "17,500" in listing and "17500.00" not in listing
    history = reverse("admin:practices_outcomemetric_history", args=[children.pk])
    html = client.get(history).content.decode()
    assert "<strong>Value:</strong> 17000 → 17500" in html


# -- never a guess ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "12,5",
            "“12,5” has a decimal comma: write the decimals after a point, 12.5 (a comma "
            "separates thousands only, before groups of three digits: 1,200)",
        ),
        ("1.200", "“1.200” may be 1200 or 1.2: write 1200 or 1,200 for the first, 1.2 for"),
        ("17 000", "“17 000” has spaces between its digits"),
        ("about 12", "“about 12” is not a number"),
        # Read as 12 and as 1200 by Decimal().
        ("١٢", "“١٢” is written with digits other than 0 to 9: write it with 0 to 9"),
        ("１,２００", "“１,２００” is written with digits other than 0 to 9"),
    ],
)
def test_a_value_that_could_be_misread_is_refused_with_what_to_write(
    client, curator, figures, typed, message
):
    client.force_login(curator)
    share = figures[1]
    (error,) = value_errors(save_value(client, share, typed))
    assert message in error
    share.refresh_from_db()
    assert share.value == Decimal("12.5")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("17,000", Decimal("17000")), ("1,200,000", Decimal("1200000")), ("0.75", Decimal("0.75"))],
)
def test_thousands_commas_and_decimal_points_are_read_as_written(
    client, curator, figures, typed, stored
):
    client.force_login(curator)
    share = figures[1]
    assert save_value(client, share, typed).status_code == 302
    share.refresh_from_db()
    assert share.value == stored


def test_a_negative_value_is_refused_by_the_form_not_the_database(client, curator, figures):
    client.force_login(curator)
    (error,) = value_errors(save_value(client, figures[1], "-3"))
    assert "greater than or equal to 0" in error


@pytest.fixture
def back_in_english():
    # The admin in French leaves French active after the request.
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.mark.usefixtures("back_in_english")
def test_in_french_a_comma_before_three_digits_may_be_a_decimal_comma(client, curator, figures):
    """In French 1,200 is one point two: in the admin in French it is refused as ambiguous,
    not read as one thousand two hundred."""
    client.force_login(curator)
    share = figures[1]
    (error,) = value_errors(save_value(client, share, "1,200", HTTP_ACCEPT_LANGUAGE="fr"))
    # Said in French, the admin's language here.
    assert "“1,200” peut signifier 1200 ou 1.2\xa0: écrivez 1200 pour le premier" in error
    assert save_value(client, share, "1,200,000", HTTP_ACCEPT_LANGUAGE="fr").status_code == 302
    share.refresh_from_db()
    assert share.value == Decimal("1200000")
