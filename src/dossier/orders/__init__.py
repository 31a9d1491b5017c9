"""Products and orders: the catalogue, orders with lines, refunds and returns, bulk sync.

Decisions worth knowing (the modules say more):

* A purchase is an order paid, shipped, completed, returned or refunded; pending and
  cancelled orders are not. Spend is the purchases' totals less their refunds
  (``orders.figures``).
* Totals are worked out from the lines; a total sent that disagrees is refused naming it.
  A sku outside the catalogue is kept as a free-text line (it needs a name).
* Bulk sync is idempotent by (source, external id): an order sent again is ``unchanged``,
  or ``updated`` when only its status moved along a legal transition; its lines and
  amounts stay as first stored (``services.sync``).
* Orders find their customer by id, an id in another system (``CustomerExternalId``),
  phone or e-mail (through the blind index); only customers the caller may change count.
* Orders hold nothing personal (no address, no note; refund reasons are codes): erasure
  keeps them, as the figures they sum.
"""
