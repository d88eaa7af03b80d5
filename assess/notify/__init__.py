"""Notifications: the in-app notification centre and the events that write to it (催报, rectification notices).

The notification rows are an outbox (:class:`assess.models.Notification`): written with the event, read by the
notification centre now and by the e-mail / webhook senders of later slices.
"""
