package tensor

import (
	"math"
	"strconv"
)

// FormatNumber formats v in the shortest form that reads back exactly, with
// infinities and NaN spelled as the language spells them: 4, 0.5, 1e-06,
// 123456789, 1234567.5, 1e+16, inf, -inf, nan. Numbers of magnitude in
// [1, 1e16) are written without an exponent (so integers up to 1e16 print
// exactly); smaller ones below 1e-4 and larger ones with an exponent.
func FormatNumber(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	case math.IsNaN(v):
		return "nan"
	}
	if a := math.Abs(v); a >= 1 && a < 1e16 {
		// Positional below 1e16, as Python prints floats: an integer
		// prints exactly (123456789, not 1.23456789e+08).
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
