"""The statuses of sub-items, in one place:

- status_rules: the pure rules (indicators, milestones, completed earlier, mismatch);
- stored: the ItemStatus rows and their refresh (refresh_statuses after every write);
- shown: the shown-status vocabulary, its labels and symbols, and the one `shown` CASE;
- cache: the cache versions of the dashboards' counts.

Importers and services call `refresh_statuses` from here after every write that can change a
status.
"""

from progress.statuses.stored import (
    COUNTED_STATES,
    Evaluation,
    RuleInputs,
    completed_among,
    completed_report,
    counts_as_reported,
    evaluate,
    invalidate_dashboards,
    load_rule_inputs,
    refresh_statuses,
)

__all__ = [
    "COUNTED_STATES",
    "Evaluation",
    "RuleInputs",
    "completed_among",
    "completed_report",
    "counts_as_reported",
    "evaluate",
    "invalidate_dashboards",
    "load_rule_inputs",
    "refresh_statuses",
]
