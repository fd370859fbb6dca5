"""Integration surface: the transactional outbox, the pull feed and signed webhooks (issue 7)."""
