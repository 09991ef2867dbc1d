package tensor

import "sync"

// gemm32 is a mixed-precision matrix product: the operands are rounded to
// float32 and multiplied in float32, twice the arithmetic per instruction
// of the float64 kernels and half the bytes per packed panel, while C
// stays float64. It follows the blocked design of gemm_simd.go
// (Goto/BLIS):
//
//   - op(B) is packed once per product, by the caller before any task runs,
//     into float32 panels of g32NR = 32 columns, depth-major and zero-padded,
//     cut into blocks of g32KC along the depth (block at depth p0 starts at
//     p0·npad, its panel of columns j0.. at j0·kc within the block). Full
//     panels are converted in assembly: rows of a row-major op(B) by
//     VCVTPD2PS (pack32BN), a transposed op(B) (the weights of x·Wᵀ) by
//     16×8 transposes in registers (pack32BT);
//   - C is cut into tasks (blocks of mc rows, and of whole panels of
//     columns when the rows are too few to keep both cores busy); each task
//     converts its rows of op(A), block by block, to float32 in a buffer of
//     its own (a sync.Pool) keeping a's layout (cvt32: rows of a, so no
//     transposition either way), zero-padded to a multiple of g32MR = 6
//     rows, and runs the micro-kernel kern32x6x32 (gemm32_amd64.s: a 6×32
//     tile in 12 ZMM accumulators of 16 float32, 12 FMAs per step of the
//     depth) over every (B panel, six rows) pair. The kernel reads the six
//     rows of op(A) in place through two strides (along the depth and
//     across rows), so this conversion is op(A)'s only packing. A B panel
//     (kc×32 float32, 32 KB) stays in L1 while the A block streams from L2;
//   - the kernel converts its float32 sums to float64 and adds them, times
//     alpha, to C, so the rounding of the float32 accumulation is confined
//     to one depth block (≤ g32KC terms); edge tiles (fewer than 6 rows or
//     32 columns) run the same kernel into a 6×32 float64 scratch tile from
//     the zero-padded operands and add its valid part;
//   - each task applies the epilogue to its block of C: gemmEpi.begin (bias,
//     or beta·C, which clears C when beta is 0, NaN included) before its
//     first depth block and gemmEpi.end (ReLU) after its last.
//
// Products of at least gemmParFlops multiply-adds share their tasks
// between the caller and the worker pool of gemm.go (parallel); smaller
// ones run on the caller alone. The buffers are pooled, so a product
// allocates nothing after warm-up.
//
// The float32 path needs AVX-512 (useAVX512). Without it, and on other
// architectures, gemm32 is exactly the float64 product gemmLdEpi.
const (
	g32MR = 6   // rows of the micro-kernel's tile
	g32NR = 32  // columns of the micro-kernel's tile
	g32KC = 256 // depth of a packed block
	g32MC = 48  // rows of C per task (a multiple of g32MR)
)

// gemm32 computes the same as gemmLdEpi (tensor/gemm.go):
// C = epi(alpha·op(A)·op(B) + beta·C) on row-major float64 slices with
// leading dimensions lda, ldb, ldc, op(A) m×k, op(B) k×n (tA/tB:
// transposed), epi.bias replacing beta·C when set, epi.relu applied at the
// end, but with op(A) and op(B) rounded to float32 as they are packed and
// the products accumulated in float32 over each packed depth block; each
// block's float32 sums are converted to float64 and added (times alpha) to
// C.
//
// The error of an element is then at most about (kc+2)·2⁻²⁴·|alpha|·
// Σ_p |op(A)_ip|·|op(B)_pj| (kc = min(k, g32KC)), against 2⁻⁵³ per term
// for the float64 product; values beyond the float32 range become ±Inf.
// Without AVX-512 (useAVX512 false, or not amd64) gemm32 is gemmLdEpi
// itself, in float64.
func gemm32(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int, epi gemmEpi) {
	if !useAVX512 {
		gemmLdEpi(useSIMD, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epi)
		return
	}
	if m == 0 || n == 0 {
		return
	}
	_ = c[(m-1)*ldc+n-1] // the kernel writes C unchecked
	if k == 0 {
		epiOnly(m, n, beta, c, ldc, epi)
		return
	}
	j := gemm32Jobs.Get().(*gemm32Job)
	j.tA, j.m, j.n, j.k = tA, m, n, k
	j.alpha, j.beta = alpha, beta
	j.a, j.lda, j.c, j.ldc = a, lda, c, ldc
	j.epi = epi
	j.npad = (n + g32NR - 1) / g32NR * g32NR
	j.packB(tB, b, ldb)
	panels := j.npad / g32NR
	par := m*n*k >= gemmParFlops && !epi.serial && gemmPool.start() > 1
	// Row blocks of g32MC; in parallel, half that when they are too few to
	// balance the goroutines, and when still too few, column blocks of at
	// least two panels as well.
	j.mc, j.tasksN = g32MC, 1
	if par && (m+g32MC-1)/g32MC < gemmMinTasks {
		j.mc = g32MC / 2
	}
	tasksM := (m + j.mc - 1) / j.mc
	if par {
		j.tasksN = max(1, min((gemmMinTasks+tasksM-1)/tasksM, panels/2))
	}
	ppt := (panels + j.tasksN - 1) / j.tasksN
	j.tasksN = (panels + ppt - 1) / ppt
	j.colsPerTask = ppt * g32NR
	tasks := tasksM * j.tasksN
	if par {
		parallel(tasks, j.task)
	} else {
		for t := range tasks {
			j.run(t)
		}
	}
	j.a, j.c, j.epi = nil, nil, gemmEpi{}
	gemm32Jobs.Put(j)
}

// gemm32Job is the state of one gemm32 product, shared by its tasks.
type gemm32Job struct {
	tA          bool
	m, n, k     int
	alpha, beta float64
	a           []float64
	lda         int
	c           []float64
	ldc         int
	epi         gemmEpi
	bp          []float32 // op(B) packed (kept with the pooled job for reuse)
	npad        int       // n rounded up to a multiple of g32NR
	mc          int       // rows per task (a multiple of g32MR)
	tasksN      int       // column blocks
	colsPerTask int       // columns per column block (a multiple of g32NR)
	task        func(t int)
}

// gemm32Jobs recycles jobs with their B buffers. A job's task is its run
// method, bound once here so that handing it to parallel allocates nothing.
var gemm32Jobs = sync.Pool{New: func() any {
	j := new(gemm32Job)
	j.task = j.run
	return j
}}

// gemm32APacks recycles the A buffers of the tasks (g32MC·g32KC float32
// each, a converted block of op(A)), one per task running at a time.
var gemm32APacks = sync.Pool{New: func() any {
	s := make([]float32, g32MC*g32KC)
	return &s
}}

// packB packs the whole of op(B) (k×n, b with leading dimension ldb) into
// j.bp as float32, block by block of the depth.
func (j *gemm32Job) packB(tB bool, b []float64, ldb int) {
	need := j.k * j.npad
	if cap(j.bp) < need {
		j.bp = make([]float32, need)
	}
	j.bp = j.bp[:need]
	for p0 := 0; p0 < j.k; p0 += g32KC {
		kc := min(g32KC, j.k-p0)
		blk := j.bp[p0*j.npad : p0*j.npad+kc*j.npad]
		for j0 := 0; j0 < j.n; j0 += g32NR {
			pack32B(blk[j0*kc:(j0+g32NR)*kc], b, ldb, tB, j0, min(g32NR, j.n-j0), p0, kc)
		}
	}
}

// pack32B copies columns j0..j0+cols of op(B), depths p0..p0+kc, into dst
// as kc rows of g32NR float32, zero-padding missing columns.
func pack32B(dst []float32, b []float64, ldb int, tB bool, j0, cols, p0, kc int) {
	dst = dst[:kc*g32NR]
	// Full panels go through the assembly converters, which read b
	// unchecked: the last element they read is checked here.
	if !tB && cols == g32NR {
		_ = b[(p0+kc-1)*ldb+j0+g32NR-1]
		pack32BN(&dst[0], &b[p0*ldb+j0], ldb, kc)
		return
	}
	k8 := 0
	if tB && cols == g32NR && kc >= 8 {
		k8 = kc / 8
		_ = b[(j0+g32NR-1)*ldb+p0+8*k8-1]
		pack32BT(&dst[0], &b[j0*ldb+p0], ldb, k8)
		if 8*k8 == kc {
			return
		}
	}
	if !tB { // op(B)[p][j] = b[p*ldb+j]: the last, partial panel
		for p := range kc {
			o := (p0+p)*ldb + j0
			d := dst[p*g32NR : p*g32NR+g32NR]
			for q, v := range b[o : o+cols] {
				d[q] = float32(v)
			}
			clear(d[cols:])
		}
		return
	}
	// op(B)[p][j] = b[j*ldb+p]: row j of b becomes column j of the panel,
	// four rows at a time, from depth 8·k8 on (those before are packed):
	// the last, partial panel, or the last kc mod 8 depths of a full one.
	c := 0
	for ; c+4 <= cols; c += 4 {
		o := (j0+c)*ldb + p0
		b0, b1, b2, b3 := b[o:o+kc], b[o+ldb:o+ldb+kc], b[o+2*ldb:o+2*ldb+kc], b[o+3*ldb:o+3*ldb+kc]
		for p := 8 * k8; p < kc; p++ {
			d := (*[4]float32)(dst[p*g32NR+c:])
			d[0], d[1], d[2], d[3] = float32(b0[p]), float32(b1[p]), float32(b2[p]), float32(b3[p])
		}
	}
	for ; c < g32NR; c++ {
		if c >= cols {
			for p := range kc {
				dst[p*g32NR+c] = 0
			}
			continue
		}
		o := (j0+c)*ldb + p0
		for p, v := range b[o : o+kc] {
			dst[p*g32NR+c] = float32(v)
		}
	}
}

// conv32A converts the block of op(A) of rows i0..i0+mi, depths
// p0..p0+kc to float32 in dst, in a's own layout, and returns how the
// kernel reads it: row i of the block, depth p, is dst[i*arow+p*astep].
// A row-major op(A) becomes mi rows of kc (arow kc, astep 1), a transposed
// one kc rows of mpad (arow 1, astep mpad); either way the rows from mi to
// mpad (mi rounded up to a multiple of g32MR) are zero, so that the last
// tile of six rows reads zeros past the end.
func conv32A(dst []float32, a []float64, lda int, tA bool, i0, mi, p0, kc int) (astep, arow int) {
	mpad := (mi + g32MR - 1) / g32MR * g32MR
	// cvt32 reads a and writes dst unchecked: the first and last elements
	// of both are checked here.
	if !tA { // op(A)[i][p] = a[i*lda+p]
		_, _ = a[(i0+mi-1)*lda+p0+kc-1], dst[mpad*kc-1]
		cvt32(&dst[0], kc, &a[i0*lda+p0], lda, mi, kc)
		clear(dst[mi*kc : mpad*kc])
		return 1, kc
	}
	// op(A)[i][p] = a[p*lda+i]: rows p0.. of a, columns i0..i0+mi.
	_, _ = a[(p0+kc-1)*lda+i0+mi-1], dst[kc*mpad-1]
	cvt32(&dst[0], mpad, &a[p0*lda+i0], lda, kc, mi)
	if mi < mpad {
		for p := range kc {
			clear(dst[p*mpad+mi : p*mpad+mpad])
		}
	}
	return mpad, 1
}

// run computes task t of j: rows i0..i0+mc of C (t / tasksN), columns of
// column block t % tasksN, over the whole depth.
func (j *gemm32Job) run(t int) {
	ap := gemm32APacks.Get().(*[]float32)
	abuf := (*ap)[:g32MC*g32KC]
	n, ldc, alpha := j.n, j.ldc, j.alpha
	i0 := t / j.tasksN * j.mc
	mi := min(j.mc, j.m-i0)
	ja := t % j.tasksN * j.colsPerTask
	jb := min(n, ja+j.colsPerTask)
	c := j.c[i0*ldc:]
	if j.beta != 1 || j.epi.bias != nil {
		for r := range mi {
			j.epi.begin(c[r*ldc+ja:r*ldc+jb], ja, j.beta)
		}
	}
	var tile [g32MR * g32NR]float64 // an edge tile, computed aside
	for p0 := 0; p0 < j.k; p0 += g32KC {
		kc := min(g32KC, j.k-p0)
		astep, arow := conv32A(abuf, j.a, j.lda, j.tA, i0, mi, p0, kc)
		blk := j.bp[p0*j.npad : p0*j.npad+kc*j.npad]
		for j0 := ja; j0 < jb; j0 += g32NR {
			bp := &blk[j0*kc]
			cols := min(g32NR, n-j0)
			for ip := 0; ip < mi; ip += g32MR {
				rows := min(g32MR, mi-ip)
				ar := &abuf[ip*arow] // rows ip.. of the converted block
				if rows == g32MR && cols == g32NR {
					kern32x6x32(kc, ar, astep, arow, bp, &c[ip*ldc+j0], ldc, alpha)
					continue
				}
				clear(tile[:])
				kern32x6x32(kc, ar, astep, arow, bp, &tile[0], g32NR, alpha)
				for r := range rows {
					cr := c[(ip+r)*ldc+j0 : (ip+r)*ldc+j0+cols]
					for q := range cr {
						cr[q] += tile[r*g32NR+q]
					}
				}
			}
		}
	}
	if j.epi.relu {
		for r := range mi {
			j.epi.end(c[r*ldc+ja : r*ldc+jb])
		}
	}
	gemm32APacks.Put(ap)
}
