"""Planning the next wave: sample size, allocation and minimum detectable change.

- :func:`sample_size`: completed interviews for a margin of error on a share
  (PracTools' ``nPropMoe``), inflated by a design effect and a response rate;
- :func:`margin_of_error`: its inverse;
- :func:`allocate`: proportional and Neyman (PracTools' ``strAlloc``), equal
  and power (Bankier 1988) allocation, with a minimum per stratum;
- :func:`n_for_change`: interviews per wave to detect a change between two
  waves (PracTools' ``nProp2sam``), and :func:`min_detectable_change`, its inverse;
- :func:`design_effects` and :func:`next_wave`: the next wave from the last
  wave's design effects (what ``trustsurvey plan-sample`` prints).

Sizes are unrounded floats; :class:`Allocation` and :class:`WavePlan` are
frozen results with ``.to_frame()``.
"""

from __future__ import annotations

from .allocation import ALLOCATION_COLUMNS, ALLOCATION_METHODS, Allocation, allocate
from .sizes import margin_of_error, min_detectable_change, n_for_change, sample_size
from .wave import DEFF_STATISTICS, PLAN_COLUMNS, WavePlan, design_effects, next_wave

__all__ = ["sample_size", "margin_of_error", "allocate", "Allocation", "n_for_change", "min_detectable_change",
           "design_effects", "next_wave", "WavePlan", "ALLOCATION_METHODS", "ALLOCATION_COLUMNS",
           "DEFF_STATISTICS", "PLAN_COLUMNS"]
