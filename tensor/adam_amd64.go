package tensor

// adamAVX2 is the AVX2 loop of AdamUpdateSave over n values (n > 0, a
// multiple of 4), copying the old x into save unless save is nil. It
// returns the number of values done: n, or the start of the first block
// of 4 that needs the float64 quotient (left untouched). lanes receives the
// lane sums of x − x over the values done (lanes[4:] zero). See
// adam_amd64.s.
//
//go:noescape
func adamAVX2(x, gr, m, v, save *float64, n int, k *adamK, lanes *[8]float64) int

// adamAVX512 is adamAVX2 with AVX-512 in blocks of 8 values (n a multiple
// of 8).
//
//go:noescape
func adamAVX512(x, gr, m, v, save *float64, n int, k *adamK, lanes *[8]float64) int
