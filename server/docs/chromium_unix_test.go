//go:build unix

package docs

import (
	"os/exec"
	"syscall"
)

// setProcessGroup starts cmd in its own process group so that a timeout kills
// Chromium together with its zygote, GPU and renderer helpers. The returned
// func kills whatever is left of the group.
func setProcessGroup(cmd *exec.Cmd) (killGroup func()) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	return func() {
		if cmd.Process != nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	}
}
