"""The call for practices, as the submitter meets it: the form, the private status page, the
calls' pages.

Nothing here is public data: a submission is shown only on its own status page, to whoever
holds its unguessable link (kept out of search engines and shared caches, and never sent to
another site as a referrer), and only its state and the messages exchanged; never who
submitted it.
"""

import hashlib

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.module_loading import import_string
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from practices import submissions
from practices.models import Call, Practice, Submission
from practices.models.submission import LONG_TEXT

from ..private import private
from .forms import Submitted

HOUR = 60 * 60
DAY = 24 * HOUR


# -- limits ------------------------------------------------------------------------------------


def _client_ip(request) -> str:
    return import_string(settings.CLIENT_IP_CALLABLE)(request)


def _address_key(request) -> str:
    return "submit:address:" + _client_ip(request)


def _email_key(email: str) -> str:
    # The cache holds no email address, only its digest.
    return "submit:email:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _used(key: str) -> int:
    return cache.get(key, 0)


def _count(key: str, seconds: int) -> None:
    if not cache.add(key, 1, seconds):
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, 1, seconds)


def _refused(request, message: str, status: int) -> HttpResponse:
    response = render(request, "catalogue/submit/refused.html", {"message": message}, status=status)
    add_never_cache_headers(response)
    return response


TOO_MANY_FROM_ADDRESS = gettext_lazy(
    "This address has sent as many submissions as the form takes in an hour. Nothing more "
    "was saved: please try again in an hour."
)
TOO_MANY_FOR_EMAIL = gettext_lazy(
    "This email address has sent as many submissions as the form takes in a day. Nothing more "
    "was saved: please try again tomorrow, or write to us if you have more practices to send."
)
HONEYPOT = gettext_lazy(
    "The form was sent with a field filled in that people do not see, as programs that send "
    "forms automatically do. Nothing was saved. If you are a person, please fill in the form "
    "again."
)


# -- the form ----------------------------------------------------------------------------------


def _call_of(slug: str | None) -> Call | None:
    if not slug:
        return None
    return Call.objects.filter(slug=slug[:80]).first()


def _site_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@require_http_methods(["GET", "POST", "HEAD"])
def submit(request):
    today = timezone.localdate()
    asked_call = (request.POST.get("call") or request.GET.get("call") or "").strip()
    call = _call_of(asked_call)
    call_closed = call is not None and not call.is_open(today)
    if request.method == "POST":
        address = _address_key(request)
        if _used(address) >= settings.SUBMISSIONS_PER_ADDRESS_PER_HOUR:
            return _refused(request, TOO_MANY_FROM_ADDRESS, 429)
        submitted = Submitted(request.POST)
        if submitted.honeypot:
            _count(address, HOUR)
            return _refused(request, HONEYPOT, 400)
        if submitted.is_valid():
            data = submitted.form.cleaned_data
            email = _email_key(data["email"])
            if _used(email) >= settings.SUBMISSIONS_PER_EMAIL_PER_DAY:
                return _refused(request, TOO_MANY_FOR_EMAIL, 429)
            submission = submissions.receive(
                content=submitted.content(),
                title=data["title"],
                name=data["name"],
                organisation=data["organisation"],
                email=data["email"],
                language=get_language(),
                call=None if call_closed else call,
                site_url=_site_url(request),
            )
            _count(address, HOUR)
            _count(email, DAY)
            return redirect(submission.status_url() + "?new=1")
    else:
        submitted = Submitted()
    context = {
        "submitted": submitted,
        "form": submitted.form,
        "problems": problems(submitted) if submitted.form.is_bound else [],
        "call": call,
        "call_closed": call_closed,
        "unknown_call": asked_call[:80] if asked_call and call is None else "",
        "open_calls": Call.objects.open_on(today).order_by("deadline"),
        "submitter_months": settings.SUBMITTER_DETAILS_MONTHS,
    }
    response = render(request, "catalogue/submit/form.html", context)
    add_never_cache_headers(response)
    return response


def problems(submitted: Submitted) -> list[tuple[str, str, str]]:
    """Every problem of the form, in page order: (the field's id, where, what)."""
    found = []
    form = submitted.form
    for error in form.non_field_errors():
        found.append(("", "", error))
    for name, field in form.fields.items():
        for error in form.errors.get(name, []):
            found.append((form[name].id_for_label, str(field.label), error))
    for formset, what in (
        (submitted.countries, _("Country %(row)s")),
        (submitted.figures, _("Figure %(row)s")),
        (submitted.sources, _("Source %(row)s")),
    ):
        for error in formset.non_form_errors():
            found.append(
                (
                    f"id_{formset.prefix}-0-{next(iter(formset.form.base_fields))}",
                    str(what).replace(" %(row)s", ""),
                    error,
                )
            )
        for number, row in enumerate(formset.forms, start=1):
            for name, errors in row.errors.items():
                field = row.fields.get(name)
                where = what % {"row": number}
                if field is not None:
                    where = f"{where}, {str(field.label).lower()}"
                for error in errors:
                    found.append((row[name].id_for_label if field else "", where, error))
    return found


# -- the status page ---------------------------------------------------------------------------


class AnswerForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Your answer"),
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


@require_http_methods(["GET", "POST", "HEAD"])
def status(request, token):
    submission = get_object_or_404(
        Submission.objects.select_related("practice", "call").prefetch_related("events"),
        token=token,
    )
    answer_form = None
    if submission.state == Submission.State.MORE_INFORMATION:
        answer_form = AnswerForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and answer_form.is_valid():
            submissions.answer(submission, answer_form.cleaned_data["message"])
            return redirect(submission.status_url() + "?answered=1")
    elif request.method == "POST":
        return private(_refused(request, _("This submission is not waiting for an answer."), 409))
    context = {
        "submission": submission,
        "status": submissions.status_of(submission),
        "steps": submissions.steps_told(submission),
        "answer_form": answer_form,
        "new": request.GET.get("new") == "1",
        "answered": request.GET.get("answered") == "1",
        "question": next(
            (e for e in reversed(submission.events.all()) if e.kind == e.Kind.ASKED), None
        ),
    }
    return private(render(request, "catalogue/submit/status.html", context))


# -- the calls ---------------------------------------------------------------------------------


def call_detail(request, slug):
    call = get_object_or_404(Call.objects.prefetch_related("themes"), slug=slug)
    published = (
        Practice.objects.published().filter(submissions__call=call).distinct().order_by("title_en")
    )
    context = {
        "call": call,
        "is_open": call.is_open(),
        "practices": published,
    }
    return render(request, "catalogue/submit/call.html", context)
