package tensor

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Matrix products run on the assembly path of gemm_simd.go (AVX2/FMA, with
// AVX-512 kernels where the CPU has them) when the CPU allows it
// (useSIMD); otherwise, the portable path below, they go to the BLAS
// registered with gonum's blas64 (gonum's own Go and assembly kernels by
// default). gonum parallelises a large Dgemm by starting goroutines on
// every call, which allocates in proportion to the matrix size; instead,
// gemm cuts C into tiles small enough for gonum's
// serial kernel and shares them between the calling goroutine and a fixed
// pool of workers started on first use. A training step therefore allocates
// nothing in its matrix products, whatever the layer widths.

// Tile sizes. gonum computes a product serially when C spans fewer than 4
// blocks of 64×64, so a tile may be at most 64 rows by 192 columns. gonum's
// kernels run along rows of C (axpy) or rows of op(A) and op(B) (dot), so
// wide tiles are fastest: for the 1000×256×256 products of the seed's
// conditioner, single-threaded, tiles 192 wide gave 7.4-8.7 GFLOP/s and
// tiles 64 wide 5.4-7.2. Columns are split evenly (256 as 2×128); 32 rows
// give enough tiles to balance the load.
const gemmTileM, gemmMaxTileN = 32, 192

// gemmParFlops is the work (m·n·k) below which gemm runs on the calling
// goroutine alone: 0.1–0.2 ms of arithmetic. Below it, handing half a
// product to a worker cost more than it saved on this machine: at batch 100
// (products of 100×256×256 = 6.5M) a training run took 0.54–0.59 s serial
// against 0.61–0.74 s shared; the seed's 1000×256×256 products gain ~1.5×.
const gemmParFlops = 1 << 23

// gemm computes C = alpha·op(A)·op(B) + beta·C on row-major slices, where
// op(A) is m×k and op(B) is k×n.
func gemm(tA, tB bool, m, n, k int, alpha float64, a []float64, b []float64, beta float64, c []float64) {
	gemmWith(useSIMD, tA, tB, m, n, k, alpha, a, b, beta, c)
}

// gemmEpi is work a product does on its own rows of C, while they are in
// cache and on every goroutine of the product: C starts as bias (added to
// every row) instead of beta·C, and ends through ReLU when relu is set.
type gemmEpi struct {
	bias []float64 // length n, or nil
	relu bool
	// serial keeps the product on the calling goroutine whatever its
	// size: the caller is itself a task of parallel (a worker handing part
	// of a product to the pool would wait for itself).
	serial bool
}

// gemmFused computes C = act(op(A)·op(B) + bias), the forward of a fully
// connected layer in one product: bias (length n) is added to every row
// (nil: none) and act is ReLU when relu is set, the identity otherwise.
func gemmFused(tA, tB bool, m, n, k int, a, b, bias []float64, relu bool, c []float64) {
	gemmSplit(useSIMD, tA, tB, m, n, k, 1, a, b, 0, c, gemmEpi{bias: bias, relu: relu})
}

// gemmWith is gemm on the SIMD path (simd true) or the portable one.
func gemmWith(simd, tA, tB bool, m, n, k int, alpha float64, a []float64, b []float64, beta float64, c []float64) {
	gemmSplit(simd, tA, tB, m, n, k, alpha, a, b, beta, c, gemmEpi{})
}

// gemmSplit is gemmWith with an epilogue.
func gemmSplit(simd, tA, tB bool, m, n, k int, alpha float64, a []float64, b []float64, beta float64, c []float64, epi gemmEpi) {
	if simd && tA && !tB && n < gemmNR && m >= 2*gemmNR && epi.bias == nil && !epi.relu {
		gemmNarrowTA(m, n, k, alpha, a, b, beta, c)
		return
	}
	lda, ldb := k, n
	if tA {
		lda = m
	}
	if tB {
		ldb = k
	}
	if !simd || k <= gemmKC {
		gemmLdEpi(simd, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, n, epi)
		return
	}
	// On the SIMD path a deep product runs as a sequence of products
	// gemmKC deep, each parallel over C: all goroutines then share one
	// packed block of op(B) (≤ gemmKC×n, which stays in cache) instead of
	// each streaming the whole of op(B) for every task.
	for p0 := 0; p0 < k; p0 += gemmKC {
		kc := min(gemmKC, k-p0)
		ao, bo := p0, p0*ldb
		if tA {
			ao = p0 * lda
		}
		if tB {
			bo = p0
		}
		bt, e := beta, epi
		if p0 > 0 { // later blocks add to C; the bias is in already
			bt, e.bias = 1, nil
		}
		if p0+kc < k { // ReLU after the last block only
			e.relu = false
		}
		gemmLdEpi(simd, tA, tB, m, n, kc, alpha, a[ao:], lda, b[bo:], ldb, bt, c, n, e)
	}
}

// gemmNarrowTA computes C = alpha·Aᵀ·B + beta·C (A k×m, B k×n, both
// row-major) for a narrow C (n < gemmNR), the weight gradient of a layer
// with few inputs, as its transpose Cᵀ = Bᵀ·A: there the wide operand A
// is op(B), read in place instead of packed, and only the n rows of Bᵀ are
// packed; Cᵀ goes through a scratch array (m·n values).
func gemmNarrowTA(m, n, k int, alpha float64, a, b []float64, beta float64, c []float64) {
	sp := narrowScratch.Get().(*[]float64)
	if cap(*sp) < m*n {
		*sp = make([]float64, m*n)
	}
	ct := (*sp)[:m*n]
	if beta != 0 {
		for i := range m {
			for j := range n {
				ct[j*m+i] = c[i*n+j]
			}
		}
	}
	gemmSplit(true, true, false, n, m, k, alpha, b, a, beta, ct, gemmEpi{})
	for i := range m {
		for j := range n {
			c[i*n+j] = ct[j*m+i]
		}
	}
	narrowScratch.Put(sp)
}

var narrowScratch = sync.Pool{New: func() any { return new([]float64) }}

// gemmLd is gemmWith with explicit leading dimensions (row strides) of a,
// b and c, so that a product can read and write blocks of larger matrices.
// Unlike gemmWith it does not split a deep product.
func gemmLd(simd, tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemmLdEpi(simd, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, gemmEpi{})
}

// gemmLdEpi is gemmLd with an epilogue.
func gemmLdEpi(simd, tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int, epi gemmEpi) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		epiOnly(m, n, beta, c, ldc, epi)
		return
	}
	j := gemmJobs.Get().(*gemmJob)
	j.ta, j.tb = blas.NoTrans, blas.NoTrans
	j.lda, j.ldb, j.ldc = lda, ldb, ldc
	if tA {
		j.ta = blas.Trans
	}
	if tB {
		j.tb = blas.Trans
	}
	j.m, j.n, j.k, j.alpha, j.beta = m, n, k, alpha, beta
	j.a, j.b, j.c = a, b, c
	j.epi = epi
	j.tilesN = (n + gemmMaxTileN - 1) / gemmMaxTileN
	j.tileN = (n + j.tilesN - 1) / j.tilesN
	j.tiles = (m + gemmTileM - 1) / gemmTileM * j.tilesN
	j.transA, j.useSIMD = tA, simd
	if j.useSIMD {
		j.setupSIMD(tB, b)
	}
	j.next.Store(0)

	helpers := 0
	if m*n*k >= gemmParFlops && !epi.serial {
		helpers = min(gemmPool.start()-1, j.tiles-1)
	}
	j.wg.Add(helpers)
	for range helpers {
		gemmPool.jobs <- j
	}
	j.run(&j.simd.apack)
	j.wg.Wait()
	j.a, j.b, j.c = nil, nil, nil
	j.epi = gemmEpi{}
	gemmJobs.Put(j)
}

// epiOnly is a product of depth 0: C = epi(beta·C), or the bias through
// the activation, on m rows of n.
func epiOnly(m, n int, beta float64, c []float64, ldc int, epi gemmEpi) {
	for r := range m {
		cr := c[r*ldc : r*ldc+n]
		epi.begin(cr, 0, beta)
		epi.end(cr)
	}
}

// parallel runs f(0), …, f(tasks−1) on the calling goroutine and the
// workers of gemmPool, and returns when all are done: memory-bound passes
// over a layer's arrays use both cores as the products do.
func parallel(tasks int, f func(t int)) {
	j := gemmJobs.Get().(*gemmJob)
	j.fn, j.tiles = f, tasks
	j.next.Store(0)
	helpers := min(gemmPool.start()-1, tasks-1)
	j.wg.Add(helpers)
	for range helpers {
		gemmPool.jobs <- j
	}
	j.run(nil)
	j.wg.Wait()
	j.fn = nil
	gemmJobs.Put(j)
}

// parElems is the length from which splitElems shares an elementwise pass
// of transcendental functions (exp, log: 5–20 ns a value) between the
// cores: 16384 values are ~0.1 ms of work, several times the cost of
// handing half to a worker.
const parElems = 1 << 14

// splitElems runs f(lo, hi) over [0, n): in one call when n < parElems,
// otherwise in contiguous parts on the calling goroutine and the workers.
func splitElems(n int, f func(lo, hi int)) {
	tasks := gemmPool.start()
	if n < parElems || tasks < 2 {
		f(0, n)
		return
	}
	parallel(tasks, func(t int) { f(t*n/tasks, (t+1)*n/tasks) })
}

// gemmJob is one product being computed tile by tile.
type gemmJob struct {
	ta, tb      blas.Transpose
	m, n, k     int
	lda, ldb    int
	ldc         int
	alpha, beta float64
	a, b, c     []float64
	epi         gemmEpi
	tiles       int          // number of tiles
	tilesN      int          // tiles per row of tiles
	tileN       int          // columns per tile
	next        atomic.Int64 // next tile to compute
	wg          sync.WaitGroup
	transA      bool        // op(A) = Aᵀ
	useSIMD     bool        // tasks are row blocks for runSIMD
	simd        simdJob     // packed B (kept with the pooled job for reuse)
	fn          func(t int) // set by parallel: task t of other work
}

var gemmJobs = sync.Pool{New: func() any { return new(gemmJob) }}

// run computes tiles until none are left; ap is the calling goroutine's
// A packing buffer for the SIMD path.
func (j *gemmJob) run(ap *[]float64) {
	if j.fn != nil {
		for {
			t := int(j.next.Add(1) - 1)
			if t >= j.tiles {
				return
			}
			j.fn(t)
		}
	}
	if j.useSIMD {
		j.runSIMD(ap)
		return
	}
	impl := blas64.Implementation()
	for {
		t := int(j.next.Add(1) - 1)
		if t >= j.tiles {
			return
		}
		i0, j0 := t/j.tilesN*gemmTileM, t%j.tilesN*j.tileN
		mi, nj := min(gemmTileM, j.m-i0), min(j.tileN, j.n-j0)
		// The first element of the tile's rows of op(A) and columns of op(B).
		ao, bo := i0*j.lda, j0
		if j.ta == blas.Trans {
			ao = i0
		}
		if j.tb == blas.Trans {
			bo = j0 * j.ldb
		}
		c, beta := j.c[i0*j.ldc+j0:], j.beta
		if j.epi.bias != nil {
			for r := range mi {
				j.epi.begin(c[r*j.ldc:r*j.ldc+nj], j0, 0)
			}
			beta = 1
		}
		impl.Dgemm(j.ta, j.tb, mi, nj, j.k, j.alpha, j.a[ao:], j.lda, j.b[bo:], j.ldb, beta, c, j.ldc)
		if j.epi.relu {
			for r := range mi {
				j.epi.end(c[r*j.ldc : r*j.ldc+nj])
			}
		}
	}
}

// begin sets a row segment of C, columns j0.. of the product, to its
// starting value: the bias when there is one, beta·C otherwise.
func (e gemmEpi) begin(cr []float64, j0 int, beta float64) {
	switch {
	case e.bias != nil:
		copy(cr, e.bias[j0:j0+len(cr)])
	case beta == 0:
		clear(cr)
	case beta != 1:
		for i := range cr {
			cr[i] *= beta
		}
	}
}

// end applies the activation to a finished row segment of C.
func (e gemmEpi) end(cr []float64) {
	if !e.relu {
		return
	}
	if n8 := len(cr) &^ 7; useSIMD && n8 > 0 {
		reluAVX(&cr[0], n8)
		cr = cr[n8:]
	}
	for i, v := range cr {
		cr[i] = max(v, 0) // NaN stays NaN
	}
}

// gemmPool is the set of worker goroutines shared by all products. They
// live for the life of the process and are idle (blocked on a channel)
// between products.
var gemmPool workers

type workers struct {
	once  sync.Once
	procs int
	jobs  chan *gemmJob
}

// start starts the workers on first use and returns the number of
// goroutines that share a product: the workers plus the caller.
func (p *workers) start() int {
	p.once.Do(func() {
		p.procs = runtime.GOMAXPROCS(0)
		p.jobs = make(chan *gemmJob, p.procs)
		for range p.procs - 1 {
			go func() {
				var ap []float64 // this worker's A packing buffer
				for {
					j := p.next()
					j.run(&ap)
					j.wg.Done()
				}
			}()
		}
	})
	return p.procs
}

// gemmSpin is how long an idle worker keeps polling for the next product
// before it blocks. A worker parked on the channel took 0.1–0.5 ms on
// average to be woken on this shared 2-vCPU machine, by which time the
// caller had done most of a product alone; polling catches the products of
// one layer's forward and backward, which follow each other closely. It is
// short because polling burns the other core: at 200 µs an ELBO step of
// small products (serial, far apart) ran at half speed.
const gemmSpin = 50 * time.Microsecond

// next returns the next job, polling for gemmSpin before blocking. It
// polls the channel's length (a plain read) rather than yielding to the
// scheduler, whose run queue lock the caller's goroutine needs too.
func (p *workers) next() *gemmJob {
	t0 := time.Now()
	for i := 1; ; i++ {
		if len(p.jobs) > 0 {
			select {
			case j := <-p.jobs:
				return j
			default: // another worker took it
			}
		}
		if i%64 == 0 && time.Since(t0) > gemmSpin {
			return <-p.jobs
		}
	}
}
