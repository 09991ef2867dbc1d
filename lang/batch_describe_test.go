package lang

import (
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

// TestBatchArgumentMessages: a batch where a builtin needs a constant is
// named as a value that depends on latent variables, not by its kind
// alone ("got number, want number" would hide why it is wrong).
func TestBatchArgumentMessages(t *testing.T) {
	b := NewBatch(tensor.New([]float64{1, 2}, 2))
	if got, want := Describe(b), "number that depends on latent variables"; got != want {
		t.Errorf("Describe(batch) = %q, want %q", got, want)
	}
	if got, want := Describe(Number(1)), "number"; got != want {
		t.Errorf("Describe(1) = %q, want %q", got, want)
	}
	for _, tt := range []struct {
		ptr  any
		want string
	}{
		{new(float64), "f: for parameter x: got a number that depends on latent variables, want a constant number"},
		{new(int), "f: for parameter x: got a number that depends on latent variables, want a constant integer"},
		{new(Distribution), "f: for parameter x: got a number that depends on latent variables, want distribution"},
	} {
		err := UnpackArgs("f", Tuple{b}, nil, "x", tt.ptr)
		if err == nil || err.Error() != tt.want {
			t.Errorf("UnpackArgs(%T): error %v, want %q", tt.ptr, err, tt.want)
		}
	}
}
