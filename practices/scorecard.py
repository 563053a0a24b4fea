"""A practice's scorecard as the public reads it: every criterion, rated or not.

A criterion nobody has rated yet is shown as such rather than left out, so a reader sees what
the practice has not been judged on as well as what it has.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import ScorecardRating

MAX_RATING = max(ScorecardRating.Rating.values)


def display_name(first_name: str, last_name: str, username: str) -> str:
    """How a reviewer is named in public: first and last name, else the username.

    Never an e-mail address, even where one serves as a username.
    """
    full_name = f"{first_name or ''} {last_name or ''}".strip()
    if full_name:
        return full_name
    return _("a reviewer") if "@" in (username or "") else username


def public_name(user) -> str:
    return display_name(user.first_name, user.last_name, user.get_username())


@dataclass
class ScorecardRow:
    criterion: ScorecardRating.Criterion
    rating: ScorecardRating | None  # None: not rated

    @property
    def reviewer_name(self) -> str:
        return public_name(self.rating.reviewer) if self.rating else ""

    @property
    def points(self) -> list[bool]:
        """One flag per point of the scale, filled up to the rating: the visual."""
        score = self.rating.rating if self.rating else 0
        return [point <= score for point in range(1, MAX_RATING + 1)]


def scorecard(practice) -> list[ScorecardRow]:
    """Every criterion in the scorecard's order with the practice's rating or None.

    Reads ``practice.ratings`` as prefetched (``with_detail_data()``): no query.
    """
    ratings = {rating.criterion: rating for rating in practice.ratings.all()}
    return [
        ScorecardRow(criterion, ratings.get(criterion.value))
        for criterion in ScorecardRating.Criterion
    ]
