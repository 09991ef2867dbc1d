package interp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
)

// Small limits, so that the resource cases fail fast: 32 MiB of arrays,
// 1e7 elements (80 MB) per array.
const (
	testMemory   = 32 << 20
	testElements = 10_000_000
)

// TestResourceLimits runs each reproducer of testdata/resource (scripts
// that crashed or hung a host: zeros(1e9), steps = 1e12, hidden = [1e9],
// batch = 1e9, layers = 1e8, a call depth of 1e6, ...) through a
// sandboxed interpreter with small limits. Each must return an error of
// the expected kind (errors.Is, and a message naming the limit at the
// statement's position), and a memory or element limit must be hit
// before the allocation: the Go heap grows by at most a few times the
// limit (the scripts asked for up to 80 GB).
func TestResourceLimits(t *testing.T) {
	type kind int
	const (
		memory kind = iota
		elements
		depth
		timeLimit
		steps
		option
	)
	for _, tt := range []struct {
		file string
		kind kind
		want string // a regexp the error matches
		opts func(*interp.Options)
	}{
		{"r01_zeros1e9", elements, `^untrusted.flow:1:5: zeros: an array of 1000000000 elements is over the limit of 10000000$`, nil},
		{"r02_zeros2e9", elements, `^untrusted.flow:1:5: zeros: an array of 2000000000 elements`, nil},
		{"r03_many_arrays", elements, `^untrusted.flow:1:5: zeros: an array of 150000000 elements`, nil},
		{"r04_nested_growth", memory, `^untrusted.flow:1:36: concat: memory limit of 32 MiB reached: an array of 32 MiB with 16 MiB of arrays live$`, nil},
		{"r05_deep_recursion", depth, `^untrusted.flow:1:11: call depth limit 1000 reached in f$`, nil},
		{"r06_infinite_loop", elements, `^untrusted.flow:1:20: range: an array of 1000000000 elements`, nil},
		{"r07_fit_steps_huge", steps, `step limit of 300 reached`, func(o *interp.Options) { o.MaxSteps = 300 }},
		{"r07_fit_steps_huge", timeLimit, `time limit of 100ms reached`, func(o *interp.Options) { o.Timeout = 100 * time.Millisecond }},
		{"r08_hidden_huge", elements, `^untrusted.flow:1:5: AffineAutoregressive: an array of \d+ elements`, nil},
		{"r09_sample_1e10", elements, `^untrusted.flow:1:5: sample: an array of 10000000000 elements`, nil},
		{"r10_string_growth", elements, `^untrusted.flow:1:39: a string of 16777216 bytes is over the limit of 10000000$`, nil},
		{"r10_string_growth", memory, `^untrusted.flow:1:39: memory limit of 32 MiB reached: an array of 32 MiB with 16 MiB of arrays live$`, func(o *interp.Options) { o.MaxElements = 0 }},
		{"r11_hidden_big2", elements, `^untrusted.flow:1:5: AffineAutoregressive: an array of \d+ elements`, nil},
		{"r12_eye_big", elements, `^untrusted.flow:1:5: eye: an array of 10000000000 elements`, nil},
		{"r13_outer", elements, `^untrusted.flow:1:36: an array of 10000000000 elements`, nil},
		{"r14_mutual_rec", depth, `^untrusted.flow:2:11: call depth limit 1000 reached in a$`, nil},
		{"r15_range_huge", elements, `^untrusted.flow:1:10: range: an array of 1e\+15 elements`, nil},
		{"r16_linspace", elements, `^untrusted.flow:1:5: linspace: an array of 900000000 elements`, nil},
		{"r17_batch_huge", elements, `^untrusted.flow:1:67: fit: a step with batch 1000000000: an array of 4000000000 elements`, nil},
		{"r18_layers_huge", elements, `^untrusted.flow:1:5: AffineAutoregressive: an array of \d+ elements`, nil},
		{"r19_bins_huge", option, `^untrusted.flow:1:41: bins must be a positive integer \(at most 1000\), got 1e\+08$`, nil},
		{"r20_sample_mvn", elements, `^untrusted.flow:1:5: sample: an array of 1000000000 elements`, nil},
		{"r21_summary_guide_n_huge", elements, `^untrusted.flow:7:5: summary: an array of 5000000000 elements`, nil},
		{"r22_concat_loop", memory, `^untrusted.flow:1:5: sample: memory limit of 32 MiB reached: an array of 76.3 MiB with 0 B of arrays live$`, nil},
		{"r23_sample_big_flow_timeout", memory, `^untrusted.flow:2:5: sample: memory limit of 32 MiB reached: an array of 76.3 MiB with [\d.]+ MiB of arrays live$`, nil},
		{"r24_fit_big_batch_timeout", elements, `^untrusted.flow:2:55: fit: a step with batch 200000: an array of \d+ elements`, nil},
		{"r25_deep_recursion_high_maxdepth", depth, `^untrusted.flow:1:11: call depth limit 20000 \(the deepest the Go stack safely holds\) reached in f$`, func(o *interp.Options) { o.MaxDepth = 1_000_000 }},
	} {
		t.Run(tt.file, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("testdata", "resource", tt.file+".flow"))
			if err != nil {
				t.Fatal(err)
			}
			o := interp.Options{MaxMemory: testMemory, MaxElements: testElements, Timeout: 10 * time.Second}
			if tt.opts != nil {
				tt.opts(&o)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err = interp.New(o).Exec(context.Background(), "untrusted.flow", src)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("no error")
			}
			if !regexp.MustCompile(tt.want).MatchString(err.Error()) {
				t.Errorf("error %q\ndoes not match %q", err, tt.want)
			}
			var is bool
			switch tt.kind {
			case memory:
				is = errors.Is(err, lang.ErrMemoryLimit)
			case elements:
				is = errors.Is(err, lang.ErrElementLimit)
			case timeLimit:
				is = errors.Is(err, context.DeadlineExceeded)
			case steps:
				is = errors.Is(err, interp.ErrStepLimit)
			default:
				is = true
			}
			if !is {
				t.Errorf("error %q is not of the expected kind %d", err, tt.kind)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 8*testMemory {
				t.Errorf("the run allocated %d MiB, over 8 times the limit", grew>>20)
			}
		})
	}
}

// TestMemoryLive checks that the memory limit counts the arrays a script
// holds, not those it has dropped: a loop that replaces an 8 MB array
// runs under a 24 MiB limit, three arrays held at once do not, and
// across Exec calls dropping a global frees its share.
func TestMemoryLive(t *testing.T) {
	ctx := context.Background()
	in := interp.New(interp.Options{MaxMemory: 24 << 20})
	// At most three arrays at once: x, zeros(1e6) and the sum.
	if err := in.Exec(ctx, "loop.flow", "for i in range(40) { x = zeros(1e6) + i }"); err != nil {
		t.Fatalf("a loop holding one 8 MB array at a time: %v", err)
	}
	in = interp.New(interp.Options{MaxMemory: 20 << 20})
	for _, src := range []string{"a = zeros(1e6)", "b = zeros(1e6)"} {
		if err := in.Exec(ctx, "held.flow", src); err != nil {
			t.Fatalf("%s: %v", src, err)
		}
	}
	err := in.Exec(ctx, "held.flow", "c = zeros(1e6)")
	const want = "held.flow:1:5: zeros: memory limit of 20 MiB reached: an array of 7.63 MiB with 15.3 MiB of arrays live"
	if err == nil || err.Error() != want || !errors.Is(err, lang.ErrMemoryLimit) {
		t.Fatalf("a third array: got %v, want %s", err, want)
	}
	if err := in.Exec(ctx, "held.flow", "a = 0\nc = zeros(1e6)"); err != nil {
		t.Fatalf("after dropping a: %v", err)
	}
	// No limit: MaxMemory < 0.
	in = interp.New(interp.Options{MaxMemory: -1})
	if err := in.Exec(ctx, "free.flow", "a = zeros(1e6); b = zeros(1e6); c = zeros(1e6)"); err != nil {
		t.Fatalf("without a memory limit: %v", err)
	}
}

// TestTimeLimitInsideBuiltins: long builtins and copies check the time
// limit as they go (every 65536 draws, 2^18 elements, 1 MiB of a
// string, 4096 printed numbers), so a time limit stops them in the
// middle: 2e7 normal draws, range(2e7), doubling a 64 MB string and
// printing 3e6 numbers take well over 10 ms on any machine. Only the kind
// of error is asserted, not the time.
func TestTimeLimitInsideBuiltins(t *testing.T) {
	for _, src := range []string{
		"x = sample(Normal(0, 1), 2e7)",
		"x = range(2e7)",
		"s = \"ab\"\nfor i in range(40) { s = s + s }",
		"x = ones(1e6)\nfor i in range(40) { x = concat(x, x) }",
		"x = linspace(0, 1, 3e6)\nprint(x)",
	} {
		in := interp.New(interp.Options{Timeout: 10 * time.Millisecond, MaxMemory: -1, MaxElements: 1 << 40})
		err := in.Exec(context.Background(), "t.flow", src)
		if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "time limit of 10ms reached") {
			t.Errorf("%s: got %v, want the time limit", src, err)
		}
	}
}

// TestEdgeHangs runs the reproducers of the Binomial hang (n = 1e17 ...
// 1e300) and of NegativeBinomial's internal error: each returns, and
// prints draws that are integers near n·p (n·p to float64 precision
// from 1e50 on, where the spread is below the spacing of float64
// numbers), and 0 for NegativeBinomial(1e300, 1e-300).
func TestEdgeHangs(t *testing.T) {
	for _, tt := range []struct{ file, want string }{
		{"binom_1e17", `^\[(4\.99|5\.00)\d*e\+16\]$`},
		{"binom_1e20", `^\[(4\.99|5\.00)\d*e\+19\]$`},
		{"binom_1e50", `^\[5e\+49\]$`},
		{"binom_1e200", `^\[5e\+199\]$`},
		{"binomial_huge_n_hang", `^\[5e\+299, 5e\+299, 5e\+299\]$`},
		{"negbinom_internal_error", `^\[0, 0, 0\]$`},
	} {
		src, err := os.ReadFile(filepath.Join("testdata", "edge", tt.file+".flow"))
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		in := interp.New(interp.Options{Stdout: &out, Timeout: 10 * time.Second})
		if err := in.Exec(context.Background(), tt.file+".flow", src); err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		if got := strings.TrimSpace(out.String()); !regexp.MustCompile(tt.want).MatchString(got) {
			t.Errorf("%s printed %q, want %s", tt.file, got, tt.want)
		}
	}
}

// TestLimitsPerInterpreter runs 8 interpreters at once, each with its own
// memory and element limits, on the same script (a 4e5-element array,
// 3.2 MB, then another): those whose limits hold two such arrays succeed,
// those below fail with their own limit in the message. Under -race this
// checks that the limits are per interpreter (the process-wide
// lang.MaxElements they replace was a data race).
func TestLimitsPerInterpreter(t *testing.T) {
	const src = "a = zeros(4e5)\nb = ones(4e5)\ns = sum(a + b)"
	type result struct {
		mem   int64
		elems int
		err   error
	}
	cases := []result{
		{mem: 1 << 20}, {mem: 4 << 20}, {mem: 16 << 20}, {mem: -1},
		{elems: 100_000}, {elems: 1_000_000}, {mem: 5 << 20, elems: 300_000}, {mem: 64 << 20, elems: 500_000},
	}
	var wg sync.WaitGroup
	for i := range cases {
		wg.Add(1)
		go func(r *result) {
			defer wg.Done()
			in := interp.New(interp.Options{MaxMemory: r.mem, MaxElements: r.elems})
			for range 3 {
				if r.err = in.Exec(context.Background(), "p.flow", src); r.err != nil {
					return
				}
			}
		}(&cases[i])
	}
	wg.Wait()
	for _, r := range cases {
		var want string
		switch {
		case r.elems != 0 && r.elems < 400_000:
			want = fmt.Sprintf("p.flow:1:5: zeros: an array of 400000 elements is over the limit of %d", r.elems)
		case r.mem == 1<<20:
			want = "p.flow:1:5: zeros: memory limit of 1 MiB reached: an array of 3.05 MiB with 0 B of arrays live"
		case r.mem == 4<<20:
			want = "p.flow:2:5: ones: memory limit of 4 MiB reached: an array of 3.05 MiB with 3.05 MiB of arrays live"
		}
		switch {
		case want == "" && r.err != nil:
			t.Errorf("limits %d B, %d elements: %v", r.mem, r.elems, r.err)
		case want != "" && (r.err == nil || !strings.Contains(r.err.Error(), want)):
			t.Errorf("limits %d B, %d elements: got %v, want %s", r.mem, r.elems, r.err, want)
		}
	}
}

// TestLimitsFlowPlans: a flow plan (a flow without a base) is built when
// a fit starts, and a posterior fit's steps hold a batch of draws: both
// are checked against the limits before anything is allocated, at the
// fit (or its batch option).
func TestLimitsFlowPlans(t *testing.T) {
	const model = "model m(y) {\n  mu ~ Normal(0, 1)\n  y ~ Normal(mu, 1)\n}\n"
	for _, tt := range []struct{ src, want string }{
		{"q = flow AffineAutoregressive(hidden = [1e9])\nfit q to Normal([0, 0], [1, 1]) { steps = 2 }",
			`^plan.flow:2:1: AffineAutoregressive: an array of \d+ elements is over the limit of 10000000$`},
		{model + "q = flow Affine\nfit q to m([0.5]) { steps = 2, batch = 1e9 }",
			`^plan.flow:6:32: fit: a step with batch 1000000000: an array of \d+ elements is over the limit of 10000000$`},
		{"q = flow Spline(Normal([0, 0], [1, 1]), bins = 1000, bound = 3)\nq2 = flow Spline(q, bins = 1000)\nfit q2 to Normal([0, 0], [1, 1]) { steps = 2, batch = 1e6 }",
			`^plan.flow:3:47: fit: a step with batch 1000000: an array of \d+ elements is over the limit of 10000000$`},
	} {
		in := interp.New(interp.Options{MaxMemory: testMemory, MaxElements: testElements})
		err := in.Exec(context.Background(), "plan.flow", tt.src)
		if err == nil || !regexp.MustCompile(tt.want).MatchString(err.Error()) || !errors.Is(err, lang.ErrElementLimit) {
			t.Errorf("%s:\ngot %v\nwant %s", tt.src, err, tt.want)
		}
	}
}

// BenchmarkMemoryLimit measures what the memory accounting costs a loop
// that allocates: arrays of 100 elements (under TrackedBytes, not
// counted) and of 1e4 (80 KB, each counted and released by a GC
// cleanup), with the default 1 GiB limit and without a limit.
func BenchmarkMemoryLimit(b *testing.B) {
	for _, n := range []string{"1e2", "1e4"} {
		src := "for i in range(1000) { x = zeros(" + n + ") + i }"
		for _, lim := range []int64{0, -1} {
			name := "n=" + n + "/limit"
			if lim < 0 {
				name = "n=" + n + "/none"
			}
			b.Run(name, func(b *testing.B) {
				in := interp.New(interp.Options{MaxMemory: lim})
				for b.Loop() {
					if err := in.Exec(context.Background(), "b.flow", src); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestTimeLimitInSorts: quantile and summary sort in chunks between checks
// of the time limit; on 8e6 numbers set by the host (sorting takes
// hundreds of ms) a 100 ms limit stops them at their call (the limit is
// long enough that parsing the one-line script never meets it, even on a
// loaded machine, and short beside the sort).
func TestTimeLimitInSorts(t *testing.T) {
	xs := make([]float64, 8_000_000)
	for i := range xs {
		xs[i] = float64((i * 7919) % len(xs))
	}
	for _, tt := range []struct{ src, want string }{
		{"y = quantile(x, 0.5)", "s.flow:1:5: time limit of 100ms reached"},
		{"y = summary(x)", "s.flow:1:5: time limit of 100ms reached"},
	} {
		in := interp.New(interp.Options{Timeout: 100 * time.Millisecond})
		if err := in.Set("x", xs); err != nil {
			t.Fatal(err)
		}
		err := in.Exec(context.Background(), "s.flow", tt.src)
		if err == nil || err.Error() != tt.want || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: got %v, want %s", tt.src, err, tt.want)
		}
	}
}

// TestReadCSVLimits: read_csv checks the columns it has read every 4096
// rows against the element and memory limits, so a large file fails
// while it is read (at row 12288 here: 36864 values, 288 KiB).
func TestReadCSVLimits(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("a,b,c\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "%d,%d,%d\n", i, 2*i, 3*i)
	}
	if err := os.WriteFile(filepath.Join(dir, "big.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		opts interp.Options
		want string
		kind error
	}{
		{interp.Options{Dir: dir, MaxElements: 30000}, "an array of 36864 elements is over the limit of 30000", lang.ErrElementLimit},
		{interp.Options{Dir: dir, MaxMemory: 256 << 10}, "memory limit of 256 KiB reached: an array of 288 KiB with 0 B of arrays live", lang.ErrMemoryLimit},
	} {
		err := interp.New(tt.opts).Exec(context.Background(), "r.flow", `d = read_csv("big.csv")`)
		if err == nil || !strings.HasPrefix(err.Error(), "r.flow:1:5: read_csv: ") || !strings.HasSuffix(err.Error(), tt.want) || !errors.Is(err, tt.kind) {
			t.Errorf("got %v, want %s", err, tt.want)
		}
	}
	if err := interp.New(interp.Options{Dir: dir}).Exec(context.Background(), "r.flow", `d = read_csv("big.csv")`); err != nil {
		t.Errorf("within the default limits: %v", err)
	}
}
