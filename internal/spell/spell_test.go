package spell

import "testing"

func TestNearest(t *testing.T) {
	names := []string{"Normal", "LogNormal", "HalfNormal", "Gamma", "Beta", "sample", "log_prob", "a", "N"}
	for _, tt := range []struct{ in, want string }{
		{"Normall", "Normal"},
		{"normal", "Normal"},
		{"Gama", "Gamma"},
		{"Btea", "Beta"},
		{"smaple", "sample"},
		{"logprob", "log_prob"},
		{"Poisson", ""},
		{"x", ""},
		{"b", ""},
		{"n", "N"},
	} {
		if got := Nearest(tt.in, names); got != tt.want {
			t.Errorf("Nearest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got, want := Hint("Normall", names), ` (did you mean "Normal"?)`; got != want {
		t.Errorf("Hint = %q, want %q", got, want)
	}
}
