"""The Lists menu: the waitlist (and the freed-slot panel) and the recall lists."""
