"""Pure planning: combination search, scoring, quotes, alternatives, day planners, validator.

No database here: every function takes plain data (a venue snapshot, allocations, bookings)
and returns plain data. The names below are what the service layer calls.
"""

from maitred.planning.combinations import (
    CombinationIndex,
    IndexCache,
    combination_index,
)
from maitred.planning.day import DayBookings
from maitred.planning.dayplan import DayPlan
from maitred.planning.greedy import plan_day
from maitred.planning.occupancy import Occupancy
from maitred.planning.quote import Quote, quote
from maitred.planning.reasons import Reason
from maitred.planning.request import PlanRequest, QuoteRequest, booking_allocations
from maitred.planning.scoring import Plan, rank_plans
from maitred.planning.selection import CheckCode, SelectionResult, SlackRule, check_selection
from maitred.planning.validator import Violation, validate_day

__all__ = [
    "CheckCode",
    "CombinationIndex",
    "DayBookings",
    "DayPlan",
    "IndexCache",
    "Occupancy",
    "Plan",
    "PlanRequest",
    "Quote",
    "QuoteRequest",
    "Reason",
    "SelectionResult",
    "SlackRule",
    "Violation",
    "booking_allocations",
    "check_selection",
    "combination_index",
    "plan_day",
    "quote",
    "rank_plans",
    "validate_day",
]
