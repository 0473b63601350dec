"""The review, /review/: the queue of submitted reports, one report's review (approve, return,
reopen) and the missing-reports page."""
