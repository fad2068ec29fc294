package panels

// ListQuery is the register's query, for the test of its plan.
var ListQuery = listQuery
