// Package bench compares Sesame with peer libraries on the same work, in one run:
//
//	make bench   # go test -bench . -benchmem -count 5, then benchstat
//
// It is its own module so that the peers never enter the library's go.mod.
package bench
