"""The admin CLI: thin commands over the service layer."""
