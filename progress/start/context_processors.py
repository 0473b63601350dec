"""The menu's counts (待审核, 未报送): the start page's figures, read from the cache only.

No query: a supervisor's figures are cached under their jurisdiction's status version by the
start page (progress.start.selectors.supervisor_figures); until it has computed them, or for
admins (every jurisdiction), the menu shows no count rather than a stale one.
"""

from django.utils.functional import SimpleLazyObject

from progress.start import selectors
from projects import roles


def menu_counts(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu_counts": {}}

    def counts() -> dict:
        if not roles.is_supervisor(user) or not user.jurisdiction_id:
            return {}
        return selectors.menu_counts(user, user.jurisdiction_id)

    return {"menu_counts": SimpleLazyObject(counts)}
