"""Routing: rules kept as data decide where a contact's ticket goes, with a reason a person can read."""
