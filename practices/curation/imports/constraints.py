"""A model's check constraints evaluated in Python, for thousands of rows at a time.

``Model.full_clean()`` asks the database about each check constraint of each instance (a
``SELECT`` per constraint: four queries a practice, half the preview's time at 5,000 rows). The
practice's constraints are comparisons of its own fields (years in range and in order, a slug
that is not empty), which Python evaluates as SQL does, NULL included: a condition that is
unknown because a value is missing passes, as in the database. A condition this module cannot
evaluate (a lookup or expression it does not know) is left to the database, as before, so a
constraint added to the model later is still checked, only more slowly.
"""

from django.core.exceptions import ValidationError
from django.db.models import CheckConstraint, F, Q

UNKNOWN = None  # SQL's NULL truth value
COMPARISONS = {
    "exact": lambda left, right: left == right,
    "gt": lambda left, right: left > right,
    "gte": lambda left, right: left >= right,
    "lt": lambda left, right: left < right,
    "lte": lambda left, right: left <= right,
}


class Unsupported(Exception):
    """A condition this module does not evaluate: the database is asked instead."""


def _value(instance, operand):
    if isinstance(operand, F):
        if "__" in operand.name:
            raise Unsupported(operand.name)
        return _field_value(instance, operand.name)
    if hasattr(operand, "resolve_expression"):
        raise Unsupported(repr(operand))
    return operand


def _field_value(instance, name: str):
    field = instance._meta.get_field(name)
    if field.is_relation:
        raise Unsupported(name)
    return getattr(instance, field.attname)


def _lookup(instance, key: str, operand):
    name, _sep, lookup = key.partition("__")
    lookup = lookup or "exact"
    left = _field_value(instance, name)
    if lookup == "isnull":
        return (left is None) == bool(operand)
    if lookup not in COMPARISONS:
        raise Unsupported(key)
    right = _value(instance, operand)
    if left is None or right is None:
        return UNKNOWN
    return COMPARISONS[lookup](left, right)


def evaluate(condition, instance):
    """True, False or UNKNOWN, as SQL would find ``condition`` (a Q) for ``instance``."""
    if isinstance(condition, tuple):
        return _lookup(instance, *condition)
    if not isinstance(condition, Q):
        raise Unsupported(repr(condition))
    results = [evaluate(child, instance) for child in condition.children]
    if condition.connector == Q.AND:
        value = False if False in results else (UNKNOWN if UNKNOWN in results else True)
    elif condition.connector == Q.OR:
        value = True if True in results else (UNKNOWN if UNKNOWN in results else False)
    else:
        raise Unsupported(condition.connector)
    if condition.negated and value is not UNKNOWN:
        value = not value
    return value


def _fields(condition) -> set[str]:
    if isinstance(condition, tuple):
        key, operand = condition
        names = {key.partition("__")[0]}
        return names | ({operand.name} if isinstance(operand, F) else set())
    if isinstance(condition, Q):
        return set().union(*(_fields(child) for child in condition.children))
    return set()


def validate_check_constraints(instance, exclude=()) -> None:
    """``full_clean``'s check of the model's check constraints, without a query for those
    Python can evaluate. Raises the same ``ValidationError`` (the constraint's message, as a
    non-field error); skips a constraint on a field in ``exclude``, as Django does."""
    errors = []
    for constraint in instance._meta.constraints:
        try:
            if not isinstance(constraint, CheckConstraint):
                raise Unsupported(constraint.name)
            if _fields(constraint.condition) & set(exclude):
                continue
            violated = evaluate(constraint.condition, instance) is False
        except Unsupported:
            try:
                constraint.validate(type(instance), instance, exclude=set(exclude))
            except ValidationError as error:
                errors.append(error)
            continue
        if violated:
            errors.append(
                ValidationError(
                    constraint.get_violation_error_message(),
                    code=constraint.violation_error_code,
                )
            )
    if errors:
        raise ValidationError(errors)
