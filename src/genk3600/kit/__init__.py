"""Small shared building blocks: schema bases, cursor pagination, clock."""
