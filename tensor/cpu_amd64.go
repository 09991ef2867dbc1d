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

// kern6x16 is the AVX-512 micro-kernel: C[i*ldc+j] += alpha · Σ_p
// a[p*6+i]·B[p][j] for i < 6, j < 16, where columns 0–7 of B are the
// packed panel at b and columns 8–15 the one bstride elements further.
// k ≥ 1.
//
//go:noescape
func kern6x16(k int, a, b *float64, bstride int, c *float64, ldc int, alpha float64)

// kern6x16s is kern6x16 reading A in place: row i of the tile is
// a[i*lda : i*lda+k]. k ≥ 1.
//
//go:noescape
func kern6x16s(k int, a *float64, lda int, b *float64, bstride int, c *float64, ldc int, alpha float64)

// kern6x16b is kern6x16 reading B in place: row p of the 16 columns is
// b[p*ldb : p*ldb+16]. k ≥ 1.
//
//go:noescape
func kern6x16b(k int, a, b *float64, ldb int, c *float64, ldc int, alpha float64)

// kern6x16sb is kern6x16 reading both A and B in place. k ≥ 1.
//
//go:noescape
func kern6x16sb(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, alpha float64)

// hasAVX512 reports whether the CPU has AVX-512 Foundation and the OS saves
// the ZMM registers (opmask, upper halves of ZMM0–15, ZMM16–31).
func hasAVX512() bool {
	if !hasAVX2FMA() {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&0xe6 != 0xe6 {
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<16) != 0
}

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
