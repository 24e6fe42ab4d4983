"""Front Desk: intake screening, schedules and documents for an IMS physiotherapy clinic."""

__version__ = "0.1.0"
