package tensor

import "os"

// The SIMD path of gemm, used when the CPU has AVX2 and FMA (and
// FLOWPPL_NOSIMD is unset or empty). It is the usual blocked design
// (Goto/BLIS): op(B) is packed once per product into panels of nr columns,
// depth-major, cut into blocks of kc along the depth; each task, a block of
// at most mc rows of C, packs its rows of op(A) into panels of mr rows and
// runs the register-blocked micro-kernel kern6x8 (gemm_amd64.s: a 6×8 tile
// of C held in 12 YMM accumulators, 12 FMAs per step of the depth) over
// every (A panel, B panel) pair. A B panel (kc×8) stays in L1 while the A
// block (mc×kc) streams from L2. Edge tiles run the same kernel into a
// 6×8 scratch tile on the stack, from zero-padded panels, and copy the valid
// part. Tasks are shared between the caller and the worker pool as before;
// the packing buffers belong to the job (B) and to each goroutine (A) and
// are reused, so products allocate nothing after warm-up.
//
// On CPUs with AVX-512 two adjacent B panels make one 6×16 tile (kern6x16:
// 12 ZMM accumulators, twice the work per instruction), and a row-major
// op(B) is not packed at all for those tiles: kern6x16b reads its rows in
// place, so the weight gradient gᵀ·x, whose B is a whole batch of
// activations, no longer starts with a serial copy of it. A row-major op(A)
// is read in place too (the "s" kernels), so most products pack nothing.
// Each task also applies the product's epilogue (gemmEpi: bias, ReLU) to
// its own block of C.
const (
	gemmMR = 6   // rows of the micro-kernel's tile
	gemmNR = 8   // columns of the micro-kernel's tile
	gemmKC = 256 // depth of a packed block
	gemmMC = 48  // rows of C per task (a multiple of gemmMR)
)

// useSIMD selects the assembly kernels; tests switch it to compare paths.
var useSIMD = hasAVX2FMA() && os.Getenv("FLOWPPL_NOSIMD") == ""

// useAVX512 selects, on the SIMD path, the AVX-512 kernels kern6x16 and
// kern6x16s for pairs of B panels (FLOWPPL_NOAVX512 set to a non-empty
// value keeps the AVX2 kernels).
var useAVX512 = useSIMD && hasAVX512() && os.Getenv("FLOWPPL_NOAVX512") == ""

// simdJob holds the state of a product on the SIMD path.
type simdJob struct {
	tB             bool
	b              []float64
	npad           int       // n rounded up to a multiple of gemmNR
	bp             []float64 // op(B) packed: block at depth p0 starts at p0·npad
	mc             int       // rows per task (≤ gemmMC, a multiple of gemmMR)
	tasksM, tasksN int       // row blocks, column blocks
	panelsPerTask  int       // B panels per column block
	apack          []float64 // the caller's A packing buffer
	// directB: full 16-column tiles read a row-major op(B) in place (AVX-512
	// path, B not transposed); only columns from n16 on are packed.
	directB bool
	n16     int
}

// setupSIMD packs op(B) and counts the tasks of j.
func (j *gemmJob) setupSIMD(tB bool, b []float64) {
	s := &j.simd
	s.tB, s.b = tB, b
	s.directB, s.n16 = useAVX512 && !tB, 0
	if s.directB {
		s.n16 = j.n / (2 * gemmNR) * (2 * gemmNR)
	}
	s.npad = (j.n + gemmNR - 1) / gemmNR * gemmNR
	if need := j.k * s.npad; cap(s.bp) < need {
		s.bp = make([]float64, need)
	}
	s.bp = s.bp[:j.k*s.npad]
	panels := s.npad / gemmNR
	// Row blocks of gemmMC, or half that when they are too few to balance
	// the goroutines; when still too few, column blocks of at least 64
	// columns as well.
	s.mc = gemmMC
	if (j.m+gemmMC-1)/gemmMC < gemmMinTasks {
		s.mc = gemmMC / 2
	}
	s.tasksM = (j.m + s.mc - 1) / s.mc
	s.tasksN = max(1, min((gemmMinTasks+s.tasksM-1)/s.tasksM, panels/8))
	s.panelsPerTask = (panels + s.tasksN - 1) / s.tasksN
	if useAVX512 && s.panelsPerTask%2 == 1 && s.panelsPerTask < panels {
		s.panelsPerTask++ // whole 16-wide tiles per task
	}
	s.tasksN = (panels + s.panelsPerTask - 1) / s.panelsPerTask
	j.tiles = s.tasksM * s.tasksN
	j.packAll()
}

// gemmMinTasks is the number of tasks below which setupSIMD also splits
// columns.
const gemmMinTasks = 8

// packAll packs op(B) (with directB, only its last columns). The caller does it alone before any worker joins:
// waiting at a barrier for a worker that the OS has descheduled (the
// machine is shared) cost more than the packing itself, which is at most
// a few percent of the product.
func (j *gemmJob) packAll() {
	s := &j.simd
	for p0 := 0; p0 < j.k; p0 += gemmKC {
		kc := min(gemmKC, j.k-p0)
		blk := s.bp[p0*s.npad:]
		for j0 := s.n16; j0 < j.n; j0 += gemmNR {
			packB(blk[j0*kc:j0*kc+gemmNR*kc], s.b, j.ldb, s.tB, j0, min(gemmNR, j.n-j0), p0, kc)
		}
	}
}

// packB copies columns j0..j0+cols of op(B), depths p0..p0+kc, into dst as
// kc rows of gemmNR, zero-padding missing columns.
func packB(dst, b []float64, ldb int, tB bool, j0, cols, p0, kc int) {
	if !tB { // op(B)[p][j] = b[p*ldb+j]
		for p := range kc {
			d := dst[p*gemmNR : p*gemmNR+gemmNR]
			src := b[(p0+p)*ldb+j0:]
			if cols == gemmNR { // element by element: faster than copy's memmove call
				src = src[:gemmNR]
				d[0], d[1], d[2], d[3] = src[0], src[1], src[2], src[3]
				d[4], d[5], d[6], d[7] = src[4], src[5], src[6], src[7]
			} else {
				copy(d, src[:cols])
				clear(d[cols:])
			}
		}
		return
	}
	// op(B)[p][j] = b[j*ldb+p]: eight rows of b read side by side.
	if cols == gemmNR {
		o := j0*ldb + p0
		b0, b1, b2, b3 := b[o:o+kc], b[o+ldb:o+ldb+kc], b[o+2*ldb:o+2*ldb+kc], b[o+3*ldb:o+3*ldb+kc]
		b4, b5, b6, b7 := b[o+4*ldb:o+4*ldb+kc], b[o+5*ldb:o+5*ldb+kc], b[o+6*ldb:o+6*ldb+kc], b[o+7*ldb:o+7*ldb+kc]
		for p := range kc {
			d := dst[p*gemmNR : p*gemmNR+gemmNR]
			d[0], d[1], d[2], d[3] = b0[p], b1[p], b2[p], b3[p]
			d[4], d[5], d[6], d[7] = b4[p], b5[p], b6[p], b7[p]
		}
		return
	}
	for c := range gemmNR {
		if c >= cols {
			for p := range kc {
				dst[p*gemmNR+c] = 0
			}
			continue
		}
		src := b[(j0+c)*ldb+p0 : (j0+c)*ldb+p0+kc]
		for p, v := range src {
			dst[p*gemmNR+c] = v
		}
	}
}

// packA copies rows i0..i0+mi of op(A), depths p0..p0+kc, into dst as
// panels of gemmMR rows (panel r at r·kc), each kc groups of gemmMR,
// zero-padding missing rows.
func packA(dst, a []float64, lda int, tA bool, i0, mi, p0, kc int) {
	for ip := 0; ip < mi; ip += gemmMR {
		rows := min(gemmMR, mi-ip)
		d := dst[ip*kc : ip*kc+gemmMR*kc]
		if tA { // op(A)[i][p] = a[p*lda+i]
			for p := range kc {
				dp := d[p*gemmMR : p*gemmMR+gemmMR]
				src := a[(p0+p)*lda+i0+ip:]
				if rows == gemmMR {
					src = src[:gemmMR]
					dp[0], dp[1], dp[2], dp[3], dp[4], dp[5] = src[0], src[1], src[2], src[3], src[4], src[5]
				} else {
					copy(dp, src[:rows])
					clear(dp[rows:])
				}
			}
			continue
		}
		// op(A)[i][p] = a[i*lda+p]: six rows read side by side, the panel
		// written in order.
		if rows == gemmMR {
			o := (i0+ip)*lda + p0
			r0, r1, r2 := a[o:o+kc], a[o+lda:o+lda+kc], a[o+2*lda:o+2*lda+kc]
			r3, r4, r5 := a[o+3*lda:o+3*lda+kc], a[o+4*lda:o+4*lda+kc], a[o+5*lda:o+5*lda+kc]
			for p := range kc {
				dp := d[p*gemmMR : p*gemmMR+gemmMR]
				dp[0], dp[1], dp[2], dp[3], dp[4], dp[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
			}
			continue
		}
		for r := range gemmMR {
			if r >= rows {
				for p := range kc {
					d[p*gemmMR+r] = 0
				}
				continue
			}
			src := a[(i0+ip+r)*lda+p0 : (i0+ip+r)*lda+p0+kc]
			for p, v := range src {
				d[p*gemmMR+r] = v
			}
		}
	}
}

// runSIMD computes tasks of j until none are left, packing A into *ap.
func (j *gemmJob) runSIMD(ap *[]float64) {
	if cap(*ap) < gemmMC*gemmKC {
		*ap = make([]float64, gemmMC*gemmKC)
	}
	abuf := (*ap)[:gemmMC*gemmKC]
	s := &j.simd
	n, ldc := j.n, j.ldc
	var tile [gemmMR * 2 * gemmNR]float64 // an edge tile, computed aside
	for {
		t := int(j.next.Add(1) - 1)
		if t >= j.tiles {
			return
		}
		i0 := t / s.tasksN * s.mc
		mi := min(s.mc, j.m-i0)
		ja := t % s.tasksN * s.panelsPerTask * gemmNR
		jb := min(n, ja+s.panelsPerTask*gemmNR)
		c := j.c[i0*ldc:]
		if j.beta != 1 || j.epi.bias != nil {
			for r := range mi {
				j.epi.begin(c[r*ldc+ja:r*ldc+jb], ja, j.beta)
			}
		}
		// A row-major op(A) is read in place by kern6x8s, six rows at a
		// time; only a last panel of fewer rows is packed (zero-padded).
		direct := !j.transA
		tail := mi / gemmMR * gemmMR
		for p0 := 0; p0 < j.k; p0 += gemmKC {
			kc := min(gemmKC, j.k-p0)
			if !direct {
				packA(abuf, j.a, j.lda, true, i0, mi, p0, kc)
			} else if tail < mi {
				packA(abuf, j.a, j.lda, false, i0+tail, mi-tail, p0, kc)
			}
			blk := s.bp[p0*s.npad:]
			for j0 := ja; j0 < jb; {
				bp := &blk[j0*kc]
				// On AVX-512 two adjacent panels make one 16-wide tile.
				wide := useAVX512 && j0+gemmNR < jb
				w := gemmNR
				if wide {
					w = 2 * gemmNR
				}
				cols := min(w, n-j0)
				for ip := 0; ip < mi; ip += gemmMR {
					rows := min(gemmMR, mi-ip)
					full := rows == gemmMR && cols == w
					dst, ld := &tile[0], w
					if full {
						dst, ld = &c[ip*ldc+j0], ldc
					} else {
						clear(tile[:gemmMR*w])
					}
					ar := &abuf[ip*kc] // packed rows of op(A)
					if direct && rows < gemmMR {
						ar = &abuf[0]
					}
					switch {
					case wide && s.directB && j0 < s.n16 && direct && rows == gemmMR:
						kern6x16sb(kc, &j.a[(i0+ip)*j.lda+p0], j.lda, &s.b[p0*j.ldb+j0], j.ldb, dst, ld, j.alpha)
					case wide && s.directB && j0 < s.n16:
						kern6x16b(kc, ar, &s.b[p0*j.ldb+j0], j.ldb, dst, ld, j.alpha)
					case wide && direct && rows == gemmMR:
						kern6x16s(kc, &j.a[(i0+ip)*j.lda+p0], j.lda, bp, gemmNR*kc, dst, ld, j.alpha)
					case wide:
						kern6x16(kc, ar, bp, gemmNR*kc, dst, ld, j.alpha)
					case direct && rows == gemmMR:
						kern6x8s(kc, &j.a[(i0+ip)*j.lda+p0], j.lda, bp, dst, ld, j.alpha)
					default:
						kern6x8(kc, ar, bp, dst, ld, j.alpha)
					}
					if full {
						continue
					}
					for r := range rows {
						cr := c[(ip+r)*ldc+j0 : (ip+r)*ldc+j0+cols]
						for q := range cr {
							cr[q] += tile[r*w+q]
						}
					}
				}
				j0 += w
			}
		}
		if j.epi.relu {
			for r := range mi {
				j.epi.end(c[r*ldc+ja : r*ldc+jb])
			}
		}
	}
}
