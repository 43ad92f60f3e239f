package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// portalBin is the portal binary built once for the whole package.
var portalBin string

// TestMain builds cmd/portal once; every test starts its own processes from
// it so tests never share data.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "portal-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	portalBin = filepath.Join(dir, "portal")
	cmd := exec.Command("go", "build", "-o", portalBin, "portal/cmd/portal")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: go build portal/cmd/portal:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
