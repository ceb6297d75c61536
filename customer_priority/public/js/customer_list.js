// The tier is the list indicator (customer_priority.js).
customer_priority.tier_list_indicator("Customer");
