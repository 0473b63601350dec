"""Supervision that acts (docs/supervision.md): 督办 notices with replies and due dates, the
红黄绿 lights, data-quality flags on reports, unit scorecards (单位考核) and the leaders' view.

- light_rules, flag_rules: pure rules over plain values (like progress.statuses.status_rules);
- stored: the lights and flags computed with the stored statuses (refresh_statuses calls it);
- services: notice_create, notice_reply, notice_accept, notice_return, flag_dismiss;
- selectors: the reads of the pages, the start-page partial and the hooks other areas use
  (notices_due_tomorrow, notices_overdue, notices_created_since);
- scorecard: the unit scorecards (pandas pivots over one GROUP BY each).
"""
