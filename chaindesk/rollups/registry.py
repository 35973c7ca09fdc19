"""Every rollup family, by name."""

from .families import INVESTMENT_MONTHS, PROJECT_DAYS, Family
from .families_chains import CHAIN_NODE_SETS, SCALE_YEARS
from .families_demands import DEMAND_DAYS
from .families_projects import PROJECT_STALLS, PROJECT_YEARS
from .families_states import LEAD_COUNTS, PROJECT_CYCLES

# In the order a rebuild computes them: a family reading another's rows (the stalled projects read each project's
# investment done from `project_years`) comes after it.
ORDER = (
    PROJECT_DAYS,
    INVESTMENT_MONTHS,
    DEMAND_DAYS,
    CHAIN_NODE_SETS,
    SCALE_YEARS,
    PROJECT_CYCLES,
    LEAD_COUNTS,
    PROJECT_YEARS,
    PROJECT_STALLS,
)
FAMILIES: dict[str, Family] = {f.name: f for f in ORDER}
