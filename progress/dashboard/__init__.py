"""The overview dashboard, /dashboard/: the counts of one jurisdiction and period by shown
status, computed status, plan, category, lead unit and leader, and the months of the year."""
