"""Answering the citizen: replies from the ticket (mail, letter, phone) and the canned answers they start from."""
