package lang

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/flowppl/flowppl/tensor"
)

// The limits a Thread enforces. Each is a field of the Thread; these are
// the defaults and the bounds.
const (
	// DefaultMaxElements is the element limit of a Thread whose
	// MaxElements is 0: the largest array a script may create.
	DefaultMaxElements = 1_000_000_000
	// DefaultMaxDepth is the call depth limit of a Thread whose MaxDepth
	// is 0.
	DefaultMaxDepth = 1000
	// MaxDepthLimit is the largest call depth a Thread allows, whatever
	// its MaxDepth: a call of a script function takes about 4 KB of Go
	// stack in the tree-walking evaluator (more through models and
	// builtins), and Go stops a program whose stack passes 1 GB. At
	// 20,000 calls the stack stays under ~100 MB. A larger MaxDepth is
	// clamped to it.
	MaxDepthLimit = 20_000
	// TrackedBytes is the size from which an array (or string) counts
	// against a Thread's Memory limit: smaller ones are not counted.
	TrackedBytes = 64 << 10
)

// ErrMemoryLimit is the cause (errors.Is) of an error for an allocation
// over a Thread's Memory limit.
var ErrMemoryLimit = errors.New("memory limit reached")

// ErrElementLimit is the cause (errors.Is) of an error for an array over a
// Thread's MaxElements.
var ErrElementLimit = errors.New("element limit reached")

// Memory counts the bytes of the arrays a script holds against a limit.
// The threads of one interpreter share one Memory (its globals outlive
// each run); it is safe for concurrent use.
//
// What it counts: every array of at least TrackedBytes (8192 float64
// values) and every string of at least TrackedBytes bytes that the
// interpreter, an operator or a builtin returns to a script, from its
// creation until the Go garbage collector frees it (a cleanup registered
// with runtime.AddCleanup subtracts it). Before a builtin or operator
// allocates an array it asks Thread.Alloc, which compares the bytes live
// plus the new array's with Limit; when that is over, it runs the garbage
// collector once and waits for the cleanups before refusing, so arrays
// the script no longer holds do not count. Not counted: smaller arrays,
// the tensors of a fit's tape and a flow's parameters (bounded by the
// fit and flow checks), and Go's own overhead. Counting costs a
// runtime.AddCleanup per counted array (nothing measurable beside
// allocating 64 KiB); the garbage collection run near the limit is the
// whole process's. An array whose storage reuses the address of a freed
// one before that one's cleanup has run is not counted (the count errs
// low, never high).
type Memory struct {
	// Limit is the largest number of live bytes; 0 means no limit.
	Limit int64

	live atomic.Int64
	mu   sync.Mutex
	seen map[uintptr]int64 // tracked storage by address, to count each once
	gc   sync.Mutex        // one reclaim at a time
}

// NewMemory returns a Memory with the given limit in bytes (0: none).
func NewMemory(limit int64) *Memory { return &Memory{Limit: limit} }

// Live returns the bytes of the counted arrays not yet freed.
func (m *Memory) Live() int64 { return m.live.Load() }

type release struct {
	m     *Memory
	key   uintptr
	bytes int64
}

func (r release) run() {
	r.m.mu.Lock()
	delete(r.m.seen, r.key)
	r.m.mu.Unlock()
	r.m.live.Add(-r.bytes)
}

// track counts bytes of storage at p until p's allocation is freed.
func track[T any](m *Memory, p *T, bytes int64) {
	key := uintptr(unsafe.Pointer(p))
	m.mu.Lock()
	if m.seen == nil {
		m.seen = map[uintptr]int64{}
	}
	if _, dup := m.seen[key]; dup {
		m.mu.Unlock()
		return
	}
	m.seen[key] = bytes
	m.mu.Unlock()
	m.live.Add(bytes)
	runtime.AddCleanup(p, release.run, release{m, key, bytes})
}

// reclaim runs the garbage collector and waits (up to 200 ms) for the
// cleanups of the arrays it freed.
func (m *Memory) reclaim() {
	m.gc.Lock()
	defer m.gc.Unlock()
	done := make(chan struct{})
	sentinel := new([4]uintptr)
	runtime.AddCleanup(sentinel, func(c chan struct{}) { close(c) }, done)
	sentinel = nil
	runtime.GC()
	select {
	case <-done:
	case <-time.After(200 * time.Millisecond):
		return
	}
	// Cleanups may run on several goroutines: wait until the count
	// settles.
	for range 20 {
		before := m.live.Load()
		time.Sleep(time.Millisecond)
		if m.live.Load() == before {
			return
		}
	}
}

// Elements returns the product of dims, or an error naming fn when it is
// over the thread's element limit (or overflows). Negative dimensions
// count as 0.
func (th *Thread) Elements(dims ...int) (int, error) {
	n := 1
	for _, d := range dims {
		if d <= 0 {
			return 0, nil
		}
		if n > math.MaxInt/d {
			return 0, th.elementError(math.Inf(1))
		}
		n *= d
	}
	if n > th.maxElements() {
		return 0, th.elementError(float64(n))
	}
	return n, nil
}

// DepthLimit describes the thread's call depth limit for an error
// message: "1000", or "20000 (the deepest the Go stack safely holds)" at
// MaxDepthLimit, where a larger MaxDepth was clamped.
func (th *Thread) DepthLimit() string {
	if th.MaxDepth >= MaxDepthLimit {
		return fmt.Sprintf("%d (the deepest the Go stack safely holds)", MaxDepthLimit)
	}
	return fmt.Sprint(th.MaxDepth)
}

// CheckSize returns an error if an array of n elements is over
// DefaultMaxElements: the check of code that has no Thread (values a host
// converts, files decoded before they reach a script). Code with a Thread
// calls its Alloc.
func CheckSize(n int) error {
	_, err := (*Thread)(nil).Elements(n)
	return err
}

func (th *Thread) maxElements() int {
	if th == nil || th.MaxElements <= 0 {
		return DefaultMaxElements
	}
	return th.MaxElements
}

func (th *Thread) elementError(n float64) error {
	return &limitError{fmt.Sprintf("an array of %s elements is over the limit of %d", fmtCount(n), th.maxElements()), ErrElementLimit}
}

// limitError is the error of a limit: its message, and the limit's
// sentinel error for errors.Is.
type limitError struct {
	msg  string
	kind error
}

func (e *limitError) Error() string { return e.msg }
func (e *limitError) Unwrap() error { return e.kind }

// Alloc returns an error when an array with the given dimensions (their
// product is the number of float64 values) would pass the thread's
// element limit (MaxElements) or its memory limit (Memory): the bytes of
// the live arrays plus the new one. Builtins and operators call it before
// they allocate a result; a nil Thread checks DefaultMaxElements only.
// (The time and step limits are the context's: see Cancelled.)
func (th *Thread) Alloc(dims ...int) error {
	n, err := th.Elements(dims...)
	if err != nil {
		return err
	}
	return th.AllocBytes(8 * int64(n))
}

// AllocBytes is Alloc for a block of b bytes (a string).
func (th *Thread) AllocBytes(b int64) error {
	if th == nil || th.Memory == nil || th.Memory.Limit <= 0 || b < TrackedBytes {
		return nil
	}
	m := th.Memory
	if m.live.Load()+b <= m.Limit {
		return nil
	}
	if b <= m.Limit {
		m.reclaim()
		if m.live.Load()+b <= m.Limit {
			return nil
		}
	}
	return &limitError{fmt.Sprintf("memory limit of %s reached: an array of %s with %s of arrays live",
		fmtBytes(m.Limit), fmtBytes(b), fmtBytes(m.live.Load())), ErrMemoryLimit}
}

// Track counts the arrays and strings of v (an array, a batch, a string,
// a record of them, or a flow's parameters) against the thread's Memory until the garbage
// collector frees them; small ones (under TrackedBytes) and tensors on a
// tape are not counted, nor storage counted before. The interpreter calls
// it on the result of every builtin and operator.
func (th *Thread) Track(v Value) {
	if th == nil || th.Memory == nil {
		return
	}
	switch x := v.(type) {
	case *Array:
		th.trackTensor(x.T)
	case *Batch:
		th.trackTensor(x.T)
	case String:
		if len(x) >= TrackedBytes {
			track(th.Memory, unsafe.StringData(string(x)), int64(len(x)))
		}
	case *Record:
		for _, f := range x.Fields {
			th.Track(f)
		}
	case *Flow:
		for _, p := range x.F.Params() {
			th.trackTensor(p)
		}
	}
}

func (th *Thread) trackTensor(t *tensor.Tensor) {
	if t == nil || t.Tracked() || 8*t.Len() < TrackedBytes {
		return
	}
	track(th.Memory, &t.Data()[0], 8*int64(t.Len()))
}

// Cancelled returns the error of the thread's context when it is done
// (cancelled, past its deadline or at a step limit), else nil. Unlike
// Context.Err it does not count as a step of an interpreter's step
// limit: long builtins call it every few thousand elements.
func (th *Thread) Cancelled() error {
	if th == nil || th.Context == nil {
		return nil
	}
	select {
	case <-th.Context.Done():
		return th.Context.Err()
	default:
		return nil
	}
}

// fmtBytes formats a byte count as "512 KiB", "1.5 GiB".
func fmtBytes(b int64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	x, i := float64(b), -1
	for x >= unit && i < 4 {
		x /= unit
		i++
	}
	return fmt.Sprintf("%.3g %ciB", x, "KMGTP"[i])
}

// fmtCount formats an element count: exact below 1e15, else as 1e+20.
func fmtCount(n float64) string {
	if math.IsInf(n, 1) {
		return "more than 9.2e18"
	}
	if n < 1e15 {
		return fmt.Sprintf("%d", int64(n))
	}
	return fmt.Sprintf("%g", n)
}
