"""Mail to citizens: written to the outbound_mail queue in the business transaction, sent by a job."""
