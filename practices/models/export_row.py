"""Each practice's export record, kept ready: the public CSV and JSON stream these as they are.

A row holds the finished text of one practice's CSV line and JSON record in one language (the
section titles and evaluation methods are translated), cut where the site's address goes: the
``url`` column is last, so a line is ``csv_head + base URL + csv_tail``. ``practices.export_rows``
builds the text (the one definition of a record) and keeps the rows in step: every change that
touches what a practice exports marks its rows stale in the same transaction (text set to NULL,
``version`` raised), and a row is rebuilt only if its version is still the one seen before the
data was read, so a rebuild that read the practice before a concurrent change can never
overwrite that change's mark. Rows are kept for every practice, whatever its publication state:
the export joins the practices and filters them as the list does.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportRow(models.Model):
    # No database constraint, no cascade: a practice's deletion removes its rows
    # (practices.signals), after the deletion of its links, whose own receivers mark them.
    practice = models.ForeignKey(
        "practices.Practice",
        verbose_name=_("practice"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the unique (practice, language) serves
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=16)
    # Raised by every change that marks the row stale: a rebuild writes only over the version
    # it saw before reading the practice.
    version = models.PositiveBigIntegerField(_("version"), default=0)
    # Which definition of a record, and which translations of its words, wrote the text
    # (export_rows.format_key): a row of another one is not ready.
    format = models.CharField(_("format"), max_length=40, default="")
    # All four NULL: stale, to be rebuilt before it is exported.
    csv_head = models.TextField(null=True)  # noqa: DJ001 (NULL is stale, "" is text)
    csv_tail = models.TextField(null=True)  # noqa: DJ001 (NULL is stale, "" is text)
    json_head = models.TextField(null=True)  # noqa: DJ001 (NULL is stale, "" is text)
    json_tail = models.TextField(null=True)  # noqa: DJ001 (NULL is stale, "" is text)

    class Meta:
        verbose_name = _("export row")
        verbose_name_plural = _("export rows")
        constraints = [
            models.UniqueConstraint(fields=["practice", "language"], name="practices_exportrow_one")
        ]
        indexes = [
            # The ready rows only: which practices an export must build first is an anti-join
            # on this index alone.
            models.Index(
                fields=["practice", "language", "format"],
                condition=models.Q(csv_head__isnull=False),
                name="practices_exportrow_ready_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.practice_id} ({self.language})"
