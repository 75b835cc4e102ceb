"""The contact search: the index bodies kept current on every write (``index``), the order they keep so
that matches come out in name order (``order``), and the query over them (``contacts``)."""
