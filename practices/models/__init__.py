from .country_link import PracticeCountry, group_by_role
from .discussion import DiscussionQuestion, Outcome
from .evidence import Evaluation, ScorecardRating
from .metric import OutcomeMetric
from .practice import Practice
from .reference import GCMObjective, Organisation, Source, Stage, TargetGroup, Theme
from .revision import PracticeRevision

__all__ = [
    "DiscussionQuestion",
    "Evaluation",
    "GCMObjective",
    "Organisation",
    "Outcome",
    "OutcomeMetric",
    "Practice",
    "PracticeCountry",
    "PracticeRevision",
    "ScorecardRating",
    "Source",
    "Stage",
    "TargetGroup",
    "Theme",
    "group_by_role",
]
