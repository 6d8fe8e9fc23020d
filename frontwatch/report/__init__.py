"""Pictures and reports: PNG maps of changes, charts of series."""
