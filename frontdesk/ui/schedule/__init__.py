"""The Schedule tab and the booking dialogs: the day grid, moving, booking, finding a free slot, booking again."""
