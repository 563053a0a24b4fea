"""Dossiers in the admin: a roundtable preparer's saved briefs, each seen by its owner alone.

Curators, reviewers and preparers (a role that holds the dossiers' permissions and nothing
else) make dossiers here: the list's filter, the countries in order, the title and session,
and, inline, the practices picked by hand (added to the filter's or removed from them) with a
note on any practice. The dossier's own pages and files are the catalogue's
(``practices:dossier``); the change page links to them by name, and shares the dossier
read-only or revokes its link with a button (a POST, CSRF-checked).

A user sees and edits only their own dossiers (a superuser, every one), and picks only the
practices they may see: every practice with ``practices.view_practice``, else the published
ones. The practice autocomplete is this admin's own view for that reason: Django's asks for
the practice admin's view permission, which a preparer does not hold.
"""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from countries.models import Country
from practices.models import Dossier, DossierPractice, Practice

# Parameters of the list page that are not its filter: the page, and the brief's countries
# (the dossier's own field).
NOT_FILTERS = {"page", "page_size", "countries"}
MAX_COUNTRIES = 60
MAX_PARAMETERS = 200


def visible_practices(user):
    """The practices ``user`` may pick: all of them for whoever sees them in the admin, else
    the published ones."""
    if user.has_perm("practices.view_practice"):
        return Practice.objects.all()
    return Practice.objects.published()


class DossierForm(forms.ModelForm):
    class Meta:
        model = Dossier
        fields = ["title", "session", "query", "countries"]
        widgets = {"query": forms.Textarea(attrs={"rows": 2})}

    def clean_query(self):
        """The list's query string; a pasted address of the list (or its brief) is taken for
        the query string it ends with."""
        text = self.cleaned_data["query"].strip()
        if "?" in text or text.startswith(("http://", "https://", "/")):
            text = urlsplit(text).query
        try:
            pairs = parse_qsl(text.lstrip("?"), max_num_fields=MAX_PARAMETERS)
        except ValueError:
            raise ValidationError(
                _("A filter has at most %(n)s parameters.") % {"n": MAX_PARAMETERS},
                code="too_long",
            ) from None
        self.pasted_countries = " ".join(v for k, v in pairs if k == "countries")
        return urlencode([(k, v) for k, v in pairs if k not in NOT_FILTERS and v.strip()])

    def clean_countries(self):
        """ISO 3166 codes (alpha-2 or alpha-3), written back as alpha-2 codes in their order."""
        words = [w for w in re.split(r"[\s,;]+", self.cleaned_data["countries"]) if w]
        if len(words) > MAX_COUNTRIES:
            raise ValidationError(
                _("At most %(n)s countries.") % {"n": MAX_COUNTRIES}, code="too_many"
            )
        codes = [w.upper() for w in words]
        found = Country.objects.filter(Q(iso2__in=codes) | Q(iso3__in=codes))
        by_code = {code: c.iso2 for c in found for code in (c.iso2, c.iso3)}
        unknown = [w for w, code in zip(words, codes, strict=True) if code not in by_code]
        if unknown:
            raise ValidationError(
                _("Not ISO country codes: %(codes)s.") % {"codes": ", ".join(unknown)},
                code="unknown",
            )
        return ", ".join(dict.fromkeys(by_code[code] for code in codes))

    def clean(self):
        data = super().clean()
        pasted = getattr(self, "pasted_countries", "")
        # The brief's address carries its countries: taken when the field is left empty.
        if pasted and "countries" in data and not data["countries"]:
            data["countries"] = pasted
            try:
                data["countries"] = self.clean_countries()
            except ValidationError as error:
                self.add_error("countries", error)
        return data


class PracticeAutocomplete(AutocompleteSelect):
    """The practice autocomplete, answered by the dossier admin's own view."""

    url_name = "%s:practices_dossier_practice_autocomplete"


class PracticeAutocompleteView(AutocompleteJsonView):
    """Practices by the practice admin's search, limited to those the user may pick; an
    unpublished one says so."""

    def has_perm(self, request, obj=None):
        return request.user.has_perm("practices.add_dossier") or request.user.has_perm(
            "practices.change_dossier"
        )

    def get_queryset(self):
        visible = visible_practices(self.request.user)
        return super().get_queryset().filter(pk__in=visible.values("pk"))

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        if obj.publication_state != Practice.PublicationState.PUBLISHED:
            result["text"] += f" ({obj.get_publication_state_display().lower()})"
        return result


class DossierPracticeInline(admin.TabularInline):
    model = DossierPractice
    fields = ["practice", "change", "note"]
    extra = 1
    verbose_name = gettext_lazy("practice picked by hand or annotated")
    verbose_name_plural = gettext_lazy("Practices picked by hand, and notes")
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}

    def get_queryset(self, request):
        # Each row names its practice (the row's label, the autocomplete's selected option).
        return super().get_queryset(request).select_related("practice")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "practice":
            kwargs["widget"] = PracticeAutocomplete(db_field, self.admin_site)
            kwargs["queryset"] = visible_practices(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None and obj.pk:
            # A practice picked while it was published, and unpublished since, stays choosable
            # in its own row: the form is not refused for a row its owner cannot change.
            field = formset.form.base_fields["practice"]
            picked = obj.picks.values("practice_id")
            field.queryset = Practice.objects.filter(
                Q(pk__in=field.queryset.values("pk")) | Q(pk__in=picked)
            )
        return formset

    # The rows are part of their dossier: whoever may change the dossier changes them.
    def _may_edit(self, request, obj) -> bool:
        action = "add" if obj is None else "change"
        return request.user.has_perm(f"practices.{action}_dossier")

    def has_add_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("practices.view_dossier") or self._may_edit(request, obj)


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    form = DossierForm
    change_form_template = "curation/dossier_change_form.html"
    inlines = [DossierPracticeInline]
    list_display = ["title", "session", "countries", "is_shared", "updated_at", "open_link"]
    list_display_links = ["title"]
    search_fields = ["title", "session"]
    readonly_fields = ["owner", "created_at", "updated_at", "shared_at"]
    fieldsets = [
        (None, {"fields": ["title", "session"]}),
        (gettext_lazy("What it holds"), {"fields": ["query", "countries"]}),
        (
            gettext_lazy("Record"),
            {"fields": ["owner", "created_at", "updated_at", "shared_at"]},
        ),
    ]
    INITIAL_FROM_URL = ["title", "session", "query", "countries"]

    # -- whose dossiers -------------------------------------------------------------------

    def get_queryset(self, request):
        return super().get_queryset(request).owned_by(request.user)

    def _owns(self, request, obj) -> bool:
        return obj is None or request.user.is_superuser or obj.owner_id == request.user.pk

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._owns(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._owns(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._owns(request, obj)

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        if request.user.is_superuser:
            shown.insert(2, "owner")
        return shown

    def get_fieldsets(self, request, obj=None):
        if obj is None:  # the record says who and when once there is one
            return self.fieldsets[:2]
        return self.fieldsets

    def save_model(self, request, obj, form, change):
        if not change:
            obj.owner = request.user
        super().save_model(request, obj, form, change)

    def get_changeform_initial_data(self, request):
        """The brief's "Save as a dossier" link fills the form from its address."""
        return {
            name: request.GET[name][: Dossier._meta.get_field(name).max_length]
            for name in self.INITIAL_FROM_URL
            if name in request.GET
        }

    # -- the changelist's columns ---------------------------------------------------------

    @admin.display(description=gettext_lazy("shared"), boolean=True)
    def is_shared(self, obj):
        return obj.is_shared

    @admin.display(description=gettext_lazy("dossier"))
    def open_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("practices:dossier", args=[obj.pk]), _("Open")
        )

    # -- the change page: links to the dossier, and sharing ---------------------------------

    def get_urls(self):
        opts = self.opts
        prefix = f"{opts.app_label}_{opts.model_name}"
        return [
            path(
                "practice-autocomplete/",
                self.admin_site.admin_view(
                    PracticeAutocompleteView.as_view(admin_site=self.admin_site)
                ),
                name=f"{prefix}_practice_autocomplete",
            ),
            path(
                "<path:object_id>/share/",
                self.admin_site.admin_view(self.share_view),
                name=f"{prefix}_share",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            shared = ""
            if obj.is_shared:
                shared = request.build_absolute_uri(
                    reverse("practices:dossier-shared", args=[obj.share_token])
                )
            context.update(
                {
                    "dossier_url": reverse("practices:dossier", args=[obj.pk]),
                    "dossier_pdf_url": reverse("practices:dossier-pdf", args=[obj.pk]),
                    "dossier_docx_url": reverse("practices:dossier-docx", args=[obj.pk]),
                    "dossier_xlsx_url": reverse("practices:dossier-xlsx", args=[obj.pk]),
                    "dossier_share_action": self._url("share", obj.pk),
                    "dossier_shared_url": shared,
                }
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def share_view(self, request, object_id):
        """Create (``action=create``) or revoke (``action=revoke``) the read-only link, then go
        back to the page the button was on. The admin site wraps it: signed in, CSRF-checked."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        dossier = self.get_object(request, unquote(object_id))
        if dossier is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, dossier):
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "create" and not dossier.is_shared:
            dossier.share()
            self.log_change(request, dossier, _("Shared read-only"))
            self.message_user(
                request,
                _("“%(title)s” is shared read-only: whoever has its link can read it.")
                % {"title": dossier.title},
                messages.SUCCESS,
            )
        elif action == "create":
            self.message_user(request, _("This dossier is already shared."), messages.INFO)
        elif action == "revoke" and dossier.is_shared:
            dossier.revoke_share()
            self.log_change(request, dossier, _("Share link revoked"))
            self.message_user(
                request,
                _("The share link of “%(title)s” is revoked: it leads nowhere now.")
                % {"title": dossier.title},
                messages.SUCCESS,
            )
        elif action == "revoke":
            self.message_user(request, _("This dossier is not shared."), messages.INFO)
        else:
            self.message_user(request, _("Nothing was done: unknown action."), messages.ERROR)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = self._url("change", dossier.pk)
        return HttpResponseRedirect(back)

    def _url(self, view: str, pk) -> str:
        opts = self.opts
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{view}",
            args=[quote(pk)],
        )
