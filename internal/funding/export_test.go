package funding

// AssessPageSQL is the query for a page of bids to assess, for the test of its plan.
const AssessPageSQL = assessPageSQL

// TookPartSQL is the query for the bids a person took part in, for the test of its plan.
const TookPartSQL = tookPartSQL
