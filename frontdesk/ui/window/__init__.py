"""The window around the screens: the main window, signing in, the first run, the idle lock, help, live updates."""
