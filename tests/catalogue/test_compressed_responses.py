"""Pages travel gzip-compressed to a browser that accepts it; exports still stream; static files
are whitenoise's alone."""

import gzip

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.public_urls import fetch

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def test_a_page_is_compressed_for_a_browser_that_accepts_gzip(client):
    plain = client.get("/practices/")
    response = client.get("/practices/", **GZIP)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert len(response.content) < len(plain.content) / 3
    assert b"<h1" in gzip.decompress(response.content)


def test_a_client_that_does_not_accept_gzip_gets_the_page_as_it_is(client):
    response = client.get("/practices/")
    assert not response.has_header("Content-Encoding")
    assert response.content.startswith(b"<!DOCTYPE html>")


@pytest.mark.parametrize("url", ["/practices/export.csv", "/practices/export.json"])
def test_exports_still_stream_when_compressed(client, url):
    _plain, content = fetch(client, url)
    response = client.get(url, **GZIP)
    assert response.streaming, "the export must not be built in memory"
    assert response["Content-Encoding"] == "gzip"
    body = gzip.decompress(b"".join(response.streaming_content)).decode("utf-8")
    assert body == content


def test_whitenoise_answers_static_files_before_compression_sees_them():
    """Whitenoise serves its own (pre-compressed) files and ranges: the gzip middleware sits
    after it, so it never sees, re-compresses or buffers a static file."""
    middleware = settings.MIDDLEWARE
    whitenoise = middleware.index("whitenoise.middleware.WhiteNoiseMiddleware")
    assert middleware.index("django.middleware.gzip.GZipMiddleware") > whitenoise
    # Served from the source folders, as under DEBUG: a fresh client builds a fresh middleware.
    with override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True):
        response = Client().get("/static/css/site.css", **GZIP)
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert int(response["Content-Length"]) > 0
