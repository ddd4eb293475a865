//go:build race

package readmetest

func init() { race = true }
