"""Saved views and per-user preferences (columns, page size, default view) of list pages.

Wiring a list page (the customer list, later tickets):

1. In the list app's ``AppConfig.ready``: ``registry.register_list("customers", params={…},
   columns=lambda actor: [(key, label), …], page_sizes=(25, 50, 100),
   permission="customers.view_customer", url="customers:list")``.
2. In its view: ``ctx = selectors.list_context(request.user, "customers", request.GET,
   allowed_columns=…, default_columns=…)``; filter with ``ctx["params"]`` (a QueryDict of the
   registered parameters) instead of ``request.GET``; show ``ctx["columns"]`` and
   ``ctx["page_size"]`` unless the applied params carry their own ``columns`` / ``size``.
3. In its template, with ``ctx`` in the context: ``savedviews/_tabs.html``,
   ``savedviews/_save_form.html``, ``savedviews/_columns.html``; in an htmx partial, the
   first two again ``with oob=True`` so they follow the filters.
"""
