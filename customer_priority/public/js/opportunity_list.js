{% include "customer_priority/public/js/tier_list.js" %}

customer_priority_list("Opportunity");
