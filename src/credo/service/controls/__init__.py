"""The person's controls over their file: security freeze, fraud alert, e-mail."""
