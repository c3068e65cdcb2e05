"""`rescind simulate`: generated marketplace histories driven through the real services and the
real worker, checked against the rule book's invariants after every step (issue 17)."""
