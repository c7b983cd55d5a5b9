"""Data access: every SQL statement the service runs lives below here."""
