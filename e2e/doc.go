// Package e2e holds Sesame's end-to-end tests: headless Chromium (chromedp) driving
// the example apps, and interop tests against the Python services Sesame sits beside.
// It is its own module so that chromedp never enters the library's go.mod.
package e2e
