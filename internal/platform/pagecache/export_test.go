package pagecache

// ProbeAsks is how many times the probe has asked SQLite whether anything changed.
func (c *Cache) ProbeAsks() int {
	c.probe.mu.Lock()
	defer c.probe.mu.Unlock()
	return c.probe.asks
}
