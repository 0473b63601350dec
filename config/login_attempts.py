"""django-axes' database handler (AXES_HANDLER), with a successful login's clean-ups asked first.

At every successful login axes deletes the expired failures of everybody (clean-up) and the
user's own failures (AXES_RESET_ON_SUCCESS), each as a SELECT and a transaction, even when
there is nothing to delete, as at nearly every login. Here one query asks whether either has a
row; only then do axes' own deletes run. The lockout itself (the failures counted before the
password is checked, the attempts written at each failure) is axes' code, unchanged.
"""

from axes.attempts import get_cool_off_threshold
from axes.conf import settings
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_credentials
from axes.models import AccessAttempt


class LoginAttemptsHandler(AxesDatabaseHandler):
    def user_logged_in(self, sender, request, user, **kwargs):
        request.axes_nothing_to_delete = not self._deletes_pending(request, user)
        try:
            super().user_logged_in(sender, request, user, **kwargs)
        finally:
            del request.axes_nothing_to_delete

    def _deletes_pending(self, request, user) -> bool:
        """Whether the login's clean-up or reset would delete a row (one query)."""
        if settings.AXES_COOLOFF_TIME is None or settings.AXES_USE_ATTEMPT_EXPIRATION:
            return True  # clean-ups of another shape: axes' own code, unasked
        candidates = AccessAttempt.objects.filter(attempt_time__lte=get_cool_off_threshold(request))
        if settings.AXES_RESET_ON_SUCCESS:
            credentials = get_credentials(user.get_username())
            for attempts in self.filter_user_attempts(request, credentials):
                candidates = candidates | attempts
        return candidates.exists()

    def clean_expired_user_attempts(self, request=None, credentials=None) -> int:
        if getattr(request, "axes_nothing_to_delete", False):
            return 0
        return super().clean_expired_user_attempts(request, credentials)

    def reset_user_attempts(self, request, credentials=None) -> int:
        if getattr(request, "axes_nothing_to_delete", False):
            return 0
        return super().reset_user_attempts(request, credentials)
