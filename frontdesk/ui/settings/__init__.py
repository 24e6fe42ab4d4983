"""The other Settings screens: the clinic's details, reminders, users, the audit trail, moving to a server."""
