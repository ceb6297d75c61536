"""What happens to a request (Lead, Opportunity, Issue): its facts and tier, routing, escalation, intake.
May import: standing, data, utils, engine."""
