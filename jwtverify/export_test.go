package jwtverify

// WaitIdle waits for r's fetch in flight, if any, to land.
func WaitIdle(r *RemoteKeys) { r.c.Idle() }
