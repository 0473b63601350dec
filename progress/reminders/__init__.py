"""Reminders (催报): one message per unit with missing reports, to the unit's active reporters,
recorded as Reminder rows. services.reminders_send is the one way to send them: the
send_reminders command and the 催报 button of the missing-reports page both call it."""
