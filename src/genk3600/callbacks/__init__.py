"""Call-back requests (terugbelverzoeken): asked on a ticket or contact for a unit or a person, due on the unit's
calendar, worked through attempts until the citizen is reached or the attempts run out; and contact outcomes
(reached the citizen, answered at first contact) for first-contact resolution."""
