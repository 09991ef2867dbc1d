package tensor

// adamAVX2 is the AVX2 loop of AdamUpdate over n values (n > 0, a multiple
// of 4); see adam_amd64.s.
//
//go:noescape
func adamAVX2(x, gr, m, v *float64, n int, c *[6]float64, bad *[4]float64)
