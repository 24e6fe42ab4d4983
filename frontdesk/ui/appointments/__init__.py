"""The Appointments tab: the list of appointments, its detail pane and actions, "My day" and the desk's undo."""
