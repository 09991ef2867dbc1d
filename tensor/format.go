package tensor

import (
	"math"
	"strconv"
)

// FormatNumber formats v in the shortest form that reads back exactly, with
// infinities and NaN spelled as the language spells them: 4, 0.5, 1e-06,
// inf, -inf, nan.
func FormatNumber(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	case math.IsNaN(v):
		return "nan"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
