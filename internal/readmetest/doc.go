// Package readmetest holds the test that compiles every Go code block of the
// repository's README.md, so the quick starts cannot drift from the API.
//
// A block is compiled in one of three ways, chosen by its first code line:
//
//   - "package …": a whole file, compiled as its own package;
//   - "func …", "type …", "var …" or "const …": declarations, placed at the top
//     level of one generated package;
//   - anything else: statements, the body of a func() error in that package.
//
// Declarations and statements see the imports and the app's own variables
// listed in given (ctx, mux, logger, rdb, …): a quick start shows what Sesame
// adds, not how an app gets its Redis client. All blocks are compiled together
// by one go build with an overlay (nothing is written to the working tree), and
// a compile error is reported at its README line.
package readmetest
