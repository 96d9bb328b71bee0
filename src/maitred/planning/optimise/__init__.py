"""The service-day optimiser: CP-SAT over a whole day, warm-started from the greedy planner and
never worse than it; the flexible-times what-if; the allocation-quality benchmark.

Pure like the rest of `maitred.planning`: plain data in, plain data out.
"""

from maitred.planning.optimise.model import Formulation
from maitred.planning.optimise.optimiser import Optimised, OptimiseOptions, optimise_day

__all__ = ["Formulation", "OptimiseOptions", "Optimised", "optimise_day"]
