"""The Celery adapter of supervise: the app, its beat schedule, and thin tasks over the service layer."""
