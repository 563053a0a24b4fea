"""Validators shared by the models' fields."""

from django.core.validators import MaxValueValidator, MinValueValidator

# The years a record may name: a start, an end, a figure's or an evaluation's year.
YEAR_VALIDATORS = [MinValueValidator(1900), MaxValueValidator(2100)]
