"""Reconciliation (DESIGN §14): the providers' books against the hub's.

* ``kinds``    item kinds and the run statuses;
* ``lookups``  the hub's records a page may be about, loaded with a few indexed bulk queries;
* ``matcher``  one page of settlement lines against those records: items and ledger movements;
* ``store``    runs and items in the database, the ledger postings of a batch;
* ``runner``   a run end to end: stream pages, match, post, find what the provider lacks;
* ``service``  start / read runs (API, CLI), the background job and crash recovery;
* ``schedule`` the periodic run per RECONCILIATION account (``[reconciliation] interval``);
* ``cli``      ``payhub reconcile ACCOUNT --from --to``.
"""
