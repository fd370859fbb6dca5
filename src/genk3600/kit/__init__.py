"""Small shared building blocks: schema bases, cursor pagination, clock, the ticket reference format,
Idempotency-Key handling, the background job loop and COPY for bulk writers."""
