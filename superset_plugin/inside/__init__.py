"""What runs inside Superset's own process: ``superset jamfor …`` and the in-process client."""
