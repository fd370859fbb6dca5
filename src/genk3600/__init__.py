"""Genk3600: ticketing backend of the city of Genk's central contact centre."""

__version__ = "0.1.0"
