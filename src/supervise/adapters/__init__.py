"""Adapters: the database, workflow files, files on disk. All I/O lives here."""
