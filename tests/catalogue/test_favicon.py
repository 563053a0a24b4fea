"""The site has an icon of its own: every page links it, and a browser's /favicon.ico finds it."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.templatetags.static import static

from tests.public_urls import PUBLIC_URLS, fetch

pytestmark = pytest.mark.django_db

ICON = "img/favicon.svg"


def test_every_public_page_links_the_icon(client):
    link = f'<link rel="icon" href="{static(ICON)}" type="image/svg+xml">'
    for url in PUBLIC_URLS:
        response, content = fetch(client, url)
        if response["Content-Type"].startswith("text/html"):
            assert link in content, url


def test_the_icon_is_a_small_svg_that_needs_nothing_from_elsewhere():
    path = finders.find(ICON)
    assert path, f"static/{ICON} is missing"
    svg = Path(path).read_text(encoding="utf-8")
    assert svg.startswith("<svg ") and len(svg) < 2_000
    # Nothing fetched, nothing run: the policy allows images from the site only.
    assert svg.count("http") == 1 and 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert "<script" not in svg and "href" not in svg


def test_favicon_ico_sends_the_browser_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static(ICON)


def test_the_server_error_pages_link_the_icon_too():
    html = render_to_string("503.html")
    assert f'<link rel="icon" href="{static(ICON)}" type="image/svg+xml">' in html
