from .country_link import PracticeCountry, group_by_role
from .currency import Currency, currency_condition, currency_cutoff
from .discussion import DiscussionQuestion, Outcome
from .dossier import Dossier, DossierPractice
from .evidence import Evaluation, ScorecardRating
from .export_row import ExportRow
from .metric import OutcomeMetric
from .practice import Practice
from .reference import GCMObjective, Organisation, Source, Stage, TargetGroup, Theme
from .revision import PracticeRevision
from .submission import Call, Submission, SubmissionEvent

__all__ = [
    "Call",
    "Currency",
    "DiscussionQuestion",
    "Dossier",
    "DossierPractice",
    "Evaluation",
    "ExportRow",
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
    "Submission",
    "SubmissionEvent",
    "TargetGroup",
    "Theme",
    "currency_condition",
    "currency_cutoff",
    "group_by_role",
]
