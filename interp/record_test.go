package interp_test

import (
	"strings"
	"testing"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
)

// TestRecordOfLatentIsError checks that record(...) inside a model, of a
// value computed from a latent (a batch of draws), is an error at the
// call rather than a record holding a batch.
func TestRecordOfLatentIsError(t *testing.T) {
	src := "model m() {\n    mu ~ Normal(0, 1)\n    r = record(a = mu)\n}\nq = flow Affine\nf = fit q to m() by elbo { steps = 5, quiet = true }\n"
	_, err := interp.ExecFile(&lang.Thread{Quiet: true}, "r.flow", src, nil)
	if err == nil || !strings.Contains(err.Error(), `r.flow:3:`) || !strings.Contains(err.Error(), `record: field "a" depends on a latent variable`) {
		t.Errorf("error %v, want record: field \"a\" depends on a latent variable at r.flow:3", err)
	}
}
