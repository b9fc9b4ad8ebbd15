"""Everything in jamfor that talks to Superset, and the `jamfor` command."""
