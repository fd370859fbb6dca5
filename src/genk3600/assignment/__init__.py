"""Automatic assignment: presence, capacity and skills, a policy per unit, offers one person at a time."""
