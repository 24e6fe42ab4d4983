"""Screening answers for the tests: every question answered so that nothing stands in IMS's way."""

NO_TO_ALL = {
    "cancer": "never", "needle_fear": "no", "understands_treatment": "yes", "pregnant": "no",
    "autoimmune": "none", "osteoporosis": "none", "had_surgery": "no", "bleeding_risk": "no",
    "implanted_device": "no", "metal_allergy": "no", "lymphedema": "no", "skin_problem": "no",
    "epilepsy": "no", "diabetes": "no", "weakened_immunity": "no", "needling_reaction": "no",
}

#: The same for a screening that lists an operation (the surgeries go beside the answers).
AFTER_SURGERY = dict(NO_TO_ALL, had_surgery="yes")
