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
		{-2.5e10, "-25000000000"},
		{123456789, "123456789"},
		{2279513, "2279513"},
		{1e6, "1000000"},
		{1234567.5, "1234567.5"},
		{1 << 53, "9007199254740992"},
		{1e16, "1e+16"},
		{-1.5e300, "-1.5e+300"},
		{1e-4, "0.0001"},
		{math.Copysign(0, -1), "-0"},
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
