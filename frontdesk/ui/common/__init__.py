"""Pieces every screen uses: error reports, background work, the table model, date fields, patient finding, previews."""
