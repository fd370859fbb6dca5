"""Appointments and home visits (issue 20): availability, free slots, race-free booking, mails with iCalendar."""
