"""Identity resolution (SPEC §2.2): the same scientist reported by several rosters, found, merged, undoable."""
