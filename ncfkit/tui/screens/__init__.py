"""The screens of the ncfkit app: setup, training, runs, and their dialogs."""
