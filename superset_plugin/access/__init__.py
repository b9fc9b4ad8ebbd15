"""Who sees what: jamfor's roles and row-level security as code, and checks as the people who use it."""
