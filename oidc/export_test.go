package oidc

// WaitDiscovery waits for c's discovery fetch in flight, if any, to land.
func WaitDiscovery(c *Client) { c.disc.Idle() }
