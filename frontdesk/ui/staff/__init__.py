"""Settings ▸ Physiotherapists and hours… and Settings ▸ Appointment types…: who works when, and the kinds of visit."""
