"""Signals other modules listen to (they never import disclosure's models to poll).

``notice_closed(sender=Notice, notice=…, outcome=…)`` is sent when a notice's disclosure
period ends, inside the transaction that closes it: ``outcome`` is ``"passed"`` (no objection
upheld: proceed) or ``"returned"`` (an objection was upheld: back to review). A receiver that
raises rolls the close back, so the notice is closed again on the next run.
"""

from django.dispatch import Signal

notice_closed = Signal()
