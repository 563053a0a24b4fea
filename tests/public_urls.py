"""The public site's pages, and reading a response whole: shared by the tests that crawl them."""

PUBLIC_URLS = [
    "/",
    "/practices/",
    "/practices/export.csv",
    "/practices/export.json",
    "/practices/pt-family-reunification-support-offices/",
    "/themes/",
    "/themes/children/",
    "/countries/",
    "/countries/mx/",
    "/coverage/",
    "/about/",
]


def fetch(client, url):
    response = client.get(url)
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode("utf-8", "replace")
    return response, content
