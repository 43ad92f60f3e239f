// Package demo embeds the demo's kickstart file so `portal demo` works from
// the binary alone. The same file seeds a real FusionAuth.
package demo

import _ "embed"

// Kickstart is demo/kickstart.json.
//
//go:embed kickstart.json
var Kickstart []byte
