"""Operational figures for supervisors: aggregates only, each computed by one SQL query."""
