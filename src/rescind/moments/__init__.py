"""The wording of instants, days, time zones and durations in the reader's language and time
zone (issue 15). web/templatetags/rescind.py (the one formatting layer) and the e-mails call
into it; its texts have their own catalog, moments/locale."""
