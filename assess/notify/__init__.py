"""Notifications: the in-app notification centre and the events that write to it (催报, rectification notices).

The notification rows are written with the event and read by the notification centre; with them,
:mod:`assess.notify.outbox` writes a delivery row per other channel (e-mail per the user's choices, the
office's group robot once per event), and :mod:`assess.notify.delivery` (``flask --app wsgi notify send``)
delivers those rows. The kinds of notification and which of them may be muted: :mod:`assess.notify.kinds`.
"""
