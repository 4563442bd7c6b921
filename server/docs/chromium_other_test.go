//go:build !unix

package docs

import "os/exec"

// setProcessGroup: without process groups, the timeout kills Chromium itself
// (exec.CommandContext's default).
func setProcessGroup(cmd *exec.Cmd) (killGroup func()) {
	return func() {}
}
