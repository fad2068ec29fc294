package db

// KeptStatements is how many statements r keeps, for the tests.
func (r *Reader) KeptStatements() int {
	if r.stmts == nil {
		return 0
	}
	r.stmts.mu.RLock()
	defer r.stmts.mu.RUnlock()
	return len(r.stmts.stmts)
}
