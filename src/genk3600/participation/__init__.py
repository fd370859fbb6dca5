"""Participations: the role each staff member played in a contact, and who holds decision authority."""
