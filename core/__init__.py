"""Project infrastructure every app may use: files, mail, client addresses, captcha, admin search,
operator notices and sending tasks by name. It imports no app (docs/architecture.md)."""
