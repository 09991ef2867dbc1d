package scale

import (
	"os"
)

// PrivateTempDir points the process's temporary directory ($TMPDIR, which
// os.TempDir reads) at a new private directory until restore is called,
// which removes that directory and puts $TMPDIR back. Beam's loopback mode
// creates an empty "beamloopbackworker-*" file in the temporary directory
// on every run and never removes it (apache/beam#27569); a run between
// PrivateTempDir and restore leaves nothing behind. It changes the
// environment of the whole process, so it is for a command's main or a
// TestMain, not for library code running beside other work.
func PrivateTempDir() (restore func(), err error) {
	dir, err := os.MkdirTemp("", "flowppl-scale-")
	if err != nil {
		return nil, err
	}
	old, had := os.LookupEnv("TMPDIR")
	if err := os.Setenv("TMPDIR", dir); err != nil {
		os.Remove(dir)
		return nil, err
	}
	return func() {
		if had {
			os.Setenv("TMPDIR", old)
		} else {
			os.Unsetenv("TMPDIR")
		}
		os.RemoveAll(dir)
	}, nil
}
