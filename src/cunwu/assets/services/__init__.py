"""Writes of 三资, a module per part: ``registers`` (entries, files, disposals, the yearly
inventory), ``journal`` (accounts, entries and their approval, reversals, month-end close,
statements), ``contracts`` (contracts, schedules, payments, checks, reminders)."""
