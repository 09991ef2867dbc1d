package interp_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/interp"
)

// TestLoadMalformedFlows runs the scripts of the reliability probe over
// the saved flows of ../flows/testdata/malformed (m01–m35) in a sandboxed
// interpreter: each damaged file stops the script at load with the error
// flows.Load gives (never "internal error", which m35 gave), and the
// valid ones (m25, m32, m34) sample, score and train.
func TestLoadMalformedFlows(t *testing.T) {
	files, err := filepath.Glob("../flows/testdata/malformed/m*.json")
	if err != nil || len(files) != 35 {
		t.Fatalf("%d saved flows, want 35 (%v)", len(files), err)
	}
	valid := map[string]bool{"m25_layers_dup.json": true, "m32_stage_opts.json": true, "m34_meta_garbage.json": true}
	for _, p := range files {
		name := filepath.Base(p)
		var out bytes.Buffer
		in := interp.New(interp.Options{Dir: filepath.Dir(p), Stdout: &out, Quiet: true})
		src := `q = load("` + name + `")
x = sample(q, 3)
print(log_prob(q, x))
fit q to Normal([0, 0], [1, 1]) { steps = 2, batch = 4, quiet = true }
print("ok")
`
		err := in.Exec(context.Background(), "load.flow", src)
		switch {
		case valid[name]:
			if err != nil || !strings.HasSuffix(out.String(), "ok\n") {
				t.Errorf("%s: %v, output %q; want a valid flow", name, err, out.String())
			}
		case err == nil:
			t.Errorf("%s: no error", name)
		case !strings.HasPrefix(err.Error(), "load.flow:1:5: load: ") || !strings.Contains(err.Error(), name+": ") ||
			strings.Contains(err.Error(), "internal error"):
			t.Errorf("%s: error %q, want the load error at load", name, err)
		}
	}
}
