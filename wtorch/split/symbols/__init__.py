"""Change facts per file: the names a file defines at each end of the change, and what it uses (pure)."""
