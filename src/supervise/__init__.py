"""supervise: runs the rectification of inspection and audit findings."""

__version__ = "0.1.0"
