"""The customer 360: the customer's page shows key figures, quick actions and one timeline.

The page itself is the customers app's detail page; this app registers its sections there
(``customers.sections``) and draws what the apps below registered with ``activity.kinds``:

* a timeline kind's template draws the body of one entry (``entry``, ``row`` — None when the
  viewer may not load the row — and ``kind``); the kind's label and the entry's time are
  drawn around it, so the template need not repeat them;
* a quick action's template is a form shown when its button is opened (it gets
  ``customer``); answering with ``HX-Trigger: timeline-changed`` reloads the timeline and
  the figures.
"""
