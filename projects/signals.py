"""What projects/ announces, so that the apps above it (progress/) can follow without projects/
importing them.

- subitems_changed(subitem_ids=[...]): sub-items, their milestones or indicators were
  corrected in the admin; whatever is derived from them must be recomputed.
- plans_removed(): plans, projects, categories or jurisdictions were deleted in the admin, and
  with them everything under them; anything cached about them is stale.
"""

from django.dispatch import Signal

subitems_changed = Signal()
plans_removed = Signal()
