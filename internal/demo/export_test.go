package demo

// SmallBatches makes every bulk INSERT write at most n rows until the test ends.
func SmallBatches(n int) (restore func()) {
	old := batchRows
	batchRows = n
	return func() { batchRows = old }
}
