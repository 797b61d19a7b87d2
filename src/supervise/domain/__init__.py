"""The domain: plain Python with no I/O (workflows, rules, the audit chain, plans)."""
