"""The asset cycle: files, versions, validate, plan, register, status, pull, prune."""
