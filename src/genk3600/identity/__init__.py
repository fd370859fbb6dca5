"""One person, one record: likely duplicate citizen records, merging two of them, and undoing a merge."""
