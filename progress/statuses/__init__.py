"""The statuses of sub-items: the pure status rules (status_rules), the stored ItemStatus rows
and their refresh (stored).

Importers and services call `refresh_statuses` from here after every write that can change a
status.
"""

from progress.statuses.stored import (
    COUNTED_STATES,
    Evaluation,
    RuleInputs,
    counts_as_reported,
    evaluate,
    invalidate_dashboards,
    load_rule_inputs,
    refresh_statuses,
    reporting_periods,
)

__all__ = [
    "COUNTED_STATES",
    "Evaluation",
    "RuleInputs",
    "counts_as_reported",
    "evaluate",
    "invalidate_dashboards",
    "load_rule_inputs",
    "refresh_statuses",
    "reporting_periods",
]
