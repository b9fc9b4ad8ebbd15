"""Everything in jamfor that talks to Superset (imported as ``jamfor.superset``)."""
