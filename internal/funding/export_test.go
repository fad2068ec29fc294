package funding

// AssessPageSQL is the query for a page of bids to assess, for the test of its plan.
const AssessPageSQL = assessPageSQL
