"""Full-text search over tickets: their subjects and their contacts' subjects and bodies."""
