"""GitHub's REST API, used by the planner in the driver only: metadata, listings, searches,
commits, and the rate limits that come with them (``api.py``, ``ratelimit.py``)."""
