// Package e2e holds the real-browser end-to-end tests: they build the portal
// binary, start it (with its FusionAuth-compatible dev server) on free ports,
// and drive Debian's chromium through chromedp. The package has no code of
// its own; everything is in the _test.go files.
package e2e
