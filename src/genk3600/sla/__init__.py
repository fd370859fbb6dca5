"""Escalations and SLA deadlines: hand-offs to higher tiers, business-time arithmetic, the sweeper."""
