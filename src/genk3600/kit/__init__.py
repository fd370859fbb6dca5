"""Small shared building blocks: schema bases, cursor pagination, clock, the ticket reference format,
Idempotency-Key handling and the background job loop."""
