"""Reading the audit trail (DPO and auditors)."""
