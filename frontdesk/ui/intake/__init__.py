"""The Intake tab: finding or registering a patient, the IMS screening, its verdict and history, and the consent."""
