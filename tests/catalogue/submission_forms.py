"""What a submitter types into /submit/: a complete, valid submission, as the browser sends it."""

from html import unescape

from practices.models import Submission

SUBMITTER = {
    "name": "Orlaith Vantremble",
    "organisation": "Ministry of Zqfamily Affairs",
    "email": "orlaith.vantremble@ministry.example",
}


def rows(prefix: str, filled: list[dict], total: int) -> dict:
    """A formset's management form and its rows, the unfilled ones blank."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "10",
    }
    for number, row in enumerate(filled):
        for name, value in row.items():
            data[f"{prefix}-{number}-{name}"] = value
    return data


def form_data(**overrides) -> dict:
    data = {
        "title": "Zqhome Family Reunion Desks",
        "summary": "Desks in consulates that help families apply to reunite.",
        "description": "Consular desks advise families on reunification papers.\n\nSince 2018.",
        "themes": ["family-reunification"],
        "target_groups": ["migrant-children"],
        "stages": ["pre-departure"],
        "gcm_objectives": ["3"],
        "scope": "bilateral",
        "kind": "service",
        "lead_organisation": "African Union",
        "start_year": "2018",
        "end_year": "",
        "status": "ongoing",
        "evidence_level": "described",
        "evaluator": "",
        "evaluation_year": "",
        "evaluation_method": "",
        "evaluation_findings": "",
        "forum": "GFMD 2019, Roundtable 2.1",
        "criteria": ["implemented", "gcm", "principles", "replicable", "accurate"],
        "website": "",
        **SUBMITTER,
        **rows(
            "countries",
            [
                {"country": "PH", "role": "COO", "involvement": "implementing"},
                {"country": "IT", "role": "COD", "involvement": "partner"},
            ],
            4,
        ),
        **rows(
            "figures",
            [{"label": "families advised", "value": "1,200", "unit": "families", "year": "2022"}],
            3,
        ),
        **rows(
            "sources",
            [
                {
                    "citation": "Ministry report on the desks",
                    "url": "https://ministry.example/desks.pdf",
                    "year": "2023",
                }
            ],
            3,
        ),
    }
    data.update(overrides)
    return data


def submit(client, **overrides):
    """Post the form as a browser from its own address would; the response, unfollowed."""
    return client.post("/submit/", form_data(**overrides))


def submitted(client, **overrides) -> Submission:
    response = submit(client, **overrides)
    assert response.status_code == 302, response.content.decode()[:3000]
    return Submission.objects.get(token=response["Location"].split("/")[-2])


def text(response) -> str:
    """What a page or a download says, its entities read."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return unescape(body.decode())
