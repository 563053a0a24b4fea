"""The brief as a file (PDF or Word), made once per list and data, kept where every process
finds it, and made by the worker when it is long.

Laying out a brief takes time: WeasyPrint needs a good tenth of a second a page, so the PDF of
a 500-practice list (some 250 pages) takes the better part of a minute (bench/brief.py). A
request should not wait that long, nor make it twice:

- Each file is kept in MEDIA_ROOT/briefs/, named by what it is of: the kind, the list's
  parameters, the countries named, the day, the site's address, the language and the data
  generation (``practices.cache``): any committed change to the data names a new file, so a kept
  file is never stale. MEDIA_ROOT is what every app server and worker already share (the
  spreadsheet imports keep their files there too); files older than a day are removed when a new
  one is written.
- A short brief (``INLINE_LIMITS``) is made in the request. A longer one is queued for the
  worker (``tasks.make_brief_file``), once, and the request gets a page that says so and reloads
  itself until the file is there, then downloads it.
"""

import datetime
import hashlib
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.http import QueryDict
from django.utils import timezone, translation
from django_tasks import task

from practices.cache import generation
from practices.models import Practice

from ..filters import PracticeFilter
from .of_list import brief_of_list
from .pdf import brief_pdf
from .word import brief_docx

WRITERS = {"pdf": brief_pdf, "docx": brief_docx}
# The most practices a brief made in the request may have; a longer one is made by the worker.
# Measured (bench/brief.py, 2 cores): the PDF of 500 practices took 69 s (256 pages, about a
# quarter of a second a page), so 60 take some 8 s; the Word file of 500 took 3.8 s.
INLINE_LIMITS = {"pdf": 60, "docx": 600}
# A queued file that is still not there after this long is queued again (a worker was down).
PENDING_TIMEOUT = 15 * 60
KEEP = datetime.timedelta(days=1)


def folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "briefs"


@dataclass(frozen=True)
class BriefFile:
    """What a brief file is of: everything that changes its bytes."""

    kind: str  # pdf or docx
    query: str  # the list's canonical parameters, as a query string
    countries: str  # as typed
    day: str  # ISO date: the brief's date
    base_url: str  # the site's address: the file's links are absolute
    language: str
    generation: str  # the data's (practices.cache)

    @classmethod
    def of_request(cls, request, kind: str, filterset: PracticeFilter, countries: str):
        from ..filters import querystring

        return cls(
            kind=kind,
            query=querystring(filterset.params()),
            countries=countries,
            day=timezone.localdate().isoformat(),
            base_url=request.build_absolute_uri("/"),
            language=translation.get_language() or settings.LANGUAGE_CODE,
            generation=_generation(),
        )

    @property
    def keepable(self) -> bool:
        """Whether the file can be kept: not when the data generation is unknown (a cache
        that cannot be reached), as the file could not be told from a stale one."""
        return bool(self.generation)

    @property
    def path(self) -> Path:
        digest = hashlib.sha256(repr(sorted(asdict(self).items())).encode()).hexdigest()[:40]
        return folder() / f"{digest}.{self.kind}"

    @property
    def pending(self) -> Path:
        return self.path.with_suffix(self.path.suffix + ".pending")

    def make(self) -> bytes:
        """The file's bytes, from the database as it is now."""
        with translation.override(self.language):
            filterset = PracticeFilter(QueryDict(self.query), queryset=Practice.objects.published())
            day = datetime.date.fromisoformat(self.day)
            return WRITERS[self.kind](brief_of_list(filterset, self.countries, day), self.base_url)

    def made_in_request(self, count: int) -> bool:
        """Whether a brief of ``count`` practices is made in the request that asks for it: a
        short one, or any when it cannot be kept (it would then never be fetched later)."""
        return count <= INLINE_LIMITS[self.kind] or not self.keepable

    def save(self, body: bytes) -> None:
        """Written to a temporary name, then renamed: a reader never sees half a file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(body)
        os.replace(partial, self.path)
        self.pending.unlink(missing_ok=True)
        remove_old_files()

    def claim(self) -> bool:
        """Whether this request is the one to queue the file: no other has queued it lately."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if time.time() - self.pending.stat().st_mtime < PENDING_TIMEOUT:
                return False
            self.pending.unlink(missing_ok=True)  # stale: its job never ran
        except FileNotFoundError:
            pass
        try:
            os.close(os.open(self.pending, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            return False  # another request queued it a moment ago
        return True

    def queue(self) -> None:
        """Have the worker make the file, unless it is queued already."""
        if not self.claim():
            return
        try:
            make_brief_file.enqueue(asdict(self))
        except Exception:
            self.pending.unlink(missing_ok=True)  # not queued: the next request tries again
            raise


@task()
def make_brief_file(spec: dict) -> None:
    """A long brief's file, made by the worker (``manage.py db_worker``) for the request that
    queued it. (Here, not in the catalogue's tasks module: that one reaches the views, which
    reach this one.)"""
    brief = BriefFile(**spec)
    try:
        brief.save(brief.make())
    except BaseException:
        brief.pending.unlink(missing_ok=True)  # the next request queues it again
        raise


def _generation() -> str:
    try:
        return generation()
    except Exception:  # a cache that cannot be reached: the file is made, and not kept
        return ""


def remove_old_files(now: float | None = None) -> int:
    """Remove the brief files (and stale markers) older than ``KEEP``."""
    cutoff = (now or time.time()) - KEEP.total_seconds()
    removed = 0
    for path in folder().glob("*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass  # another process removed it
    return removed
