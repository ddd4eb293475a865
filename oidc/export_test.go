package oidc

// WaitDiscovery waits for c's discovery fetch in flight, if any, to land.
func WaitDiscovery(c *Client) { c.disc.Idle() }

// Normalize returns cfg with its defaults filled in, as New uses it.
func Normalize(cfg Config) (Config, error) { return cfg.normalize() }
