"""Contact verification: which phone numbers and e-mail addresses of a customer are verified.

For other apps (all in ``selectors`` / ``services``):

- ``selectors.verification_state(customer)`` → ``{field: {verified, verified_at, method,
  has_value}}`` for a customer loaded through ``customers.access.customer_for``;
- ``selectors.last_verified_at(customer_ids)`` → ``{customer_id: datetime}`` (the quality
  app's freshness; pass ids already restricted, customers without a verified current value
  are left out); ``selectors.current_verifications(ids)`` is the queryset behind it;
- ``selectors.is_active_ready(customer, digests=None)`` and
  ``services.check_active_ready(customer, lifecycle=…, digests=…)`` (the rule at the door);
- before a customer exists (capture forms): ``services.start_value_check(field_type,
  value)`` → ``CodeSent.check_id``; ``services.confirm_value_check(check_id, code)``; once
  the customer is created, ``services.attach_value_check(actor, check_id, customer_id,
  field)`` records it as ``self_service``;
- an import whose source verified the values: ``services.record_verification(actor,
  customer_id, field, method="import")``.
"""
