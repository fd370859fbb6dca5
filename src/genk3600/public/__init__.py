"""Citizen-facing status in plain language: access codes, the public status page, its rate limits."""
