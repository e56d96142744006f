"""Local fakes of the art sites curator collects from, served through a TLS-terminating proxy.

`proxy.FakeInternet` routes gallery-dl's requests for the real host names to the `Site`
objects here; each site module answers the API requests its gallery-dl extractor makes, with
the fields that extractor parses, written from gallery-dl 1.32's source.
"""
