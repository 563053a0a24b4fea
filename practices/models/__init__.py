from .discussion import DiscussionQuestion, Outcome
from .practice import OutcomeMetric, Practice, PracticeCountry, group_by_role
from .reference import GCMObjective, Organisation, Source, Stage, TargetGroup, Theme

__all__ = [
    "DiscussionQuestion",
    "GCMObjective",
    "Organisation",
    "Outcome",
    "OutcomeMetric",
    "Practice",
    "PracticeCountry",
    "Source",
    "Stage",
    "TargetGroup",
    "Theme",
    "group_by_role",
]
