package tensor

import (
	"math"
	"testing"
)

func TestFormatNumber(t *testing.T) {
	for _, tt := range []struct {
		v    float64
		want string
	}{
		{4, "4"},
		{0.5, "0.5"},
		{1e-6, "1e-06"},
		{-2.5e10, "-2.5e+10"},
		{math.Nextafter(0.3, 1), "0.30000000000000004"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
		{math.NaN(), "nan"},
	} {
		if got := FormatNumber(tt.v); got != tt.want {
			t.Errorf("FormatNumber(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
