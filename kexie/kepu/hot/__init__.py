"""Hot topics (热点): the daily roll-up of searches and reads into ``TermDay`` (``rollup``) and the burst test
that finds terms rising above their own baseline (``rising``)."""
