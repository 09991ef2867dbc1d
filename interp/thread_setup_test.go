package interp_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
)

// TestThreadSetup checks the two ways a run gets its Thread against each
// other: interp.New (its Options through one setup, with the sandbox's
// defaults) and ExecFile with the caller's Thread (lang.Thread.Init's host
// defaults). Both draw from the same stream for the same seed (the
// default one too); the sandbox has no files and a memory limit, the zero
// Thread the process's files and none; Stdout receives print in both.
func TestThreadSetup(t *testing.T) {
	const src = "x = sample(Normal(0, 1), 4)\nprint(\"hi\")\n"
	for _, seed := range []uint64{0, 7} {
		var out bytes.Buffer
		in := interp.New(interp.Options{Seed: seed, Stdout: &out})
		must(t, in.Exec(context.Background(), "s.flow", src))
		got, _ := in.Get("x")
		th := &lang.Thread{Stdout: new(bytes.Buffer)}
		if seed != 0 {
			th.Rand = lang.NewRand(seed)
		}
		g, err := interp.ExecFile(th, "s.flow", src, nil)
		must(t, err)
		want := interp.FromValue(g["x"])
		if !slices.Equal(got.([]float64), want.([]float64)) {
			t.Errorf("seed %d: interp.New draws %v, ExecFile draws %v", seed, got, want)
		}
		if out.String() != "hi\n" || th.Stdout.(*bytes.Buffer).String() != "hi\n" {
			t.Errorf("seed %d: outputs %q and %q, want \"hi\\n\"", seed, out.String(), th.Stdout.(*bytes.Buffer).String())
		}
		// ExecFile's thread kept the host's defaults.
		if _, ok := th.FS.(lang.HostFS); !ok || th.Memory != nil || th.MaxDepth != lang.DefaultMaxDepth {
			t.Errorf("ExecFile's thread: FS %T, memory %v, depth %d; want HostFS, no memory limit, %d", th.FS, th.Memory, th.MaxDepth, lang.DefaultMaxDepth)
		}
	}

	file := tempPath(t, "d.csv")
	if err := os.WriteFile(file, []byte("a\n1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	read := `d = read_csv("` + file + `")`
	if _, err := interp.ExecFile(nil, "r.flow", read, nil); err != nil {
		t.Errorf("ExecFile with a zero Thread cannot read a host file: %v", err)
	}
	in := interp.New(interp.Options{})
	if err := in.Exec(context.Background(), "r.flow", read); !errors.Is(err, lang.ErrNoFileAccess) {
		t.Errorf("interp.New without Dir read a host file: %v", err)
	}
	// zeros(2e8) is 1.6 GB, over the sandbox's 1 GiB default: refused
	// before allocating.
	if err := in.Exec(context.Background(), "m.flow", "z = zeros(2e8)"); !errors.Is(err, lang.ErrMemoryLimit) {
		t.Errorf("interp.New's default memory limit: %v", err)
	}
}
