"""E-mail to clients: composing, the outbox, delivery over SMTP, reminders."""
