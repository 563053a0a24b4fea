"""A practice's scorecard as the public reads it: every criterion, rated or not.

A criterion nobody has rated yet is shown as such rather than left out, so a reader sees what
the practice has not been judged on as well as what it has. Reviewers are named by their role
only: no account name, real name or e-mail is ever public.
"""

from dataclasses import dataclass

from practices.models import ScorecardRating

MAX_RATING = max(ScorecardRating.Rating.values)


@dataclass
class ScorecardRow:
    criterion: ScorecardRating.Criterion
    rating: ScorecardRating | None  # None: not rated

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
