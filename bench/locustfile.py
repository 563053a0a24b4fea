"""The readers of bench/load.py: policy officers browsing the public pages (locust).

Run by bench/load.py, which writes the values the users draw from (themes, ISO codes, practice
slugs, search words, export filters, all read from the database) to a JSON file named by
``LOAD_MIX``. Think time: ``LOAD_WAIT_MIN`` to ``LOAD_WAIT_MAX`` seconds (default 1 to 3).

Every answer but a 2xx is a failure, redirects included (they are not followed).
"""

# ruff: noqa: S311 (random draws of a load mix, not secrets)

import json
import os
import random
from urllib.parse import urlencode

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

with open(os.environ["LOAD_MIX"], encoding="utf-8") as file:
    MIX = json.load(file)

ROLES = ("coo", "cot", "cod", "country")
SORTS = ("title", "newest", "oldest", "updated")


def query(pairs) -> str:
    return urlencode(pairs)


class PolicyOfficer(FastHttpUser):
    wait_time = between(
        float(os.environ.get("LOAD_WAIT_MIN", "1")), float(os.environ.get("LOAD_WAIT_MAX", "3"))
    )
    # A page that takes longer than this is a failure, not a slow success.
    network_timeout = 60.0
    connection_timeout = 10.0

    def fetch(self, url: str, name: str) -> None:
        with self.client.get(
            url, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if not 200 <= response.status_code < 300:
                response.failure(f"HTTP {response.status_code}")
            elif not response.content:
                response.failure("empty body")

    # -- the list ----------------------------------------------------------------------------

    @task(8)
    def list_unfiltered(self):
        self.fetch("/practices/", "list")

    @task(4)
    def list_paged(self):
        page = random.randint(2, MIX["last_page"])
        self.fetch(f"/practices/?{query([('page', page)])}", "list, page n")

    @task(10)
    def list_theme(self):
        self.fetch(f"/practices/?{query([('theme', random.choice(MIX['themes']))])}", "list theme")

    @task(10)
    def list_country_role(self):
        role = random.choice(ROLES)
        code = random.choice(MIX["countries"])
        self.fetch(f"/practices/?{query([(role, code)])}", "list country+role")

    @task(8)
    def list_several(self):
        pairs = [
            ("theme", random.choice(MIX["themes"])),
            (random.choice(ROLES), random.choice(MIX["countries"])),
        ]
        if random.random() < 0.5:
            pairs.append(("year_from", random.choice((2000, 2005, 2010, 2015))))
        if random.random() < 0.3:
            pairs.append(("evidence", random.choice(MIX["evidence"])))
        if random.random() < 0.3:
            pairs.append(("sort", random.choice(SORTS)))
        if random.random() < 0.2:
            pairs.append(("page", 2))
        self.fetch(f"/practices/?{query(pairs)}", "list several")

    @task(12)
    def search(self):
        pairs = [("q", random.choice(MIX["words"]))]
        if random.random() < 0.3:
            pairs.append(("theme", random.choice(MIX["themes"])))
        self.fetch(f"/practices/?{query(pairs)}", "search")

    # -- a practice --------------------------------------------------------------------------

    @task(30)
    def detail(self):
        self.fetch(f"/practices/{random.choice(MIX['slugs'])}/", "detail")

    # -- downloads: a filtered export of a few hundred rows ----------------------------------

    @task(4)
    def export_csv(self):
        self.fetch(f"/practices/export.csv?{random.choice(MIX['exports'])}", "export.csv")

    @task(1)
    def export_json(self):
        self.fetch(f"/practices/export.json?{random.choice(MIX['exports'])}", "export.json")
