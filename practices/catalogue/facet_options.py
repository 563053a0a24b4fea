"""What a facet shows: its options, each with its count, whether it is ticked, and its link
(``facets.FacetCounter`` builds them)."""

from dataclasses import dataclass, field


@dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool
    url: str | None  # None: a country listed only for its role options, not itself an option
    # For a country: the same country as origin, transit and destination (coo/cot/cod).
    roles: list["Option"] = field(default_factory=list)
    # A role option's accessible name, "COO 6: narrow to Mexico as COO (6 practices)": built
    # here, once per list, not by a template tag for each of a thousand role options.
    description: str = ""


@dataclass
class Facet:
    name: str
    label: str
    options: list[Option]

    @property
    def selected(self) -> list[Option]:
        return [
            option
            for option in self.options
            if option.selected or any(role.selected for role in option.roles)
        ]

    @property
    def ticked_roles(self) -> list[tuple[str, str]]:
        """(parameter, value) of each ticked role option: kept by the form as hidden fields."""
        return [
            (role.label.lower(), role.value)
            for option in self.options
            for role in option.roles
            if role.selected
        ]
