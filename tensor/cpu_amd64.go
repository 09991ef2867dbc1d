package tensor

// cpuid executes the CPUID instruction for leaf eaxArg, subleaf ecxArg.
func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

// xgetbv reads extended control register 0 (which register states the OS
// saves on a context switch).
func xgetbv() (eax, edx uint32)

// kern6x8 is the AVX2/FMA micro-kernel: C[i*ldc+j] += alpha · Σ_p
// a[p*6+i]·b[p*8+j] for i < 6, j < 8, over packed panels. k ≥ 1.
//
//go:noescape
func kern6x8(k int, a, b, c *float64, ldc int, alpha float64)

// kern6x8s is kern6x8 reading A in place: row i of the tile is
// a[i*lda : i*lda+k] (no packing of a row-major op(A)). k ≥ 1.
//
//go:noescape
func kern6x8s(k int, a *float64, lda int, b, c *float64, ldc int, alpha float64)

// hasAVX2FMA reports whether the CPU has AVX2 and FMA and the OS saves the
// YMM registers.
func hasAVX2FMA() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if ecx1&(fma|osxsave|avx) != fma|osxsave|avx {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 { // XMM and YMM state
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<5) != 0
}
