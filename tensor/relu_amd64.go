package tensor

// reluAVX sets x[i] = max(x[i], 0) for i < n (n > 0, a multiple of 8),
// keeping NaN and turning −0 into +0. AVX.
//
//go:noescape
func reluAVX(x *float64, n int)

// reluGradAVX zeroes gr[i] where y[i] == 0 and then, when gb is not nil,
// adds gr[i] to gb[i], for i < n (n > 0, a multiple of 8). AVX.
//
//go:noescape
func reluGradAVX(gr, y, gb *float64, n int)
