"""Every rollup family, by name."""

from .families import INVESTMENT_MONTHS, PROJECT_DAYS, Family
from .families_demands import DEMAND_DAYS

FAMILIES: dict[str, Family] = {f.name: f for f in (PROJECT_DAYS, INVESTMENT_MONTHS, DEMAND_DAYS)}
