// Package progress shows the progress of fits (and of sample's NUTS
// iterations) on a terminal: a bar,
// drawn by github.com/schollz/progressbar, with the steps, the smoothed
// loss, the steps per second and the time left, updated in place.
package progress

import (
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Bar is an infer.ProgressDisplay (wrap it with infer.DisplayReporter for
// a fit) that draws a progress bar on its writer; the package does not
// import infer, which sits below it. It is created empty; the bar is made at the first step, when
// the number of steps is known.
type Bar struct {
	w     io.Writer
	opts  []progressbar.Option
	bar   *progressbar.ProgressBar
	ema   float64 // exponential moving average of the loss, bias corrected by wsum
	wsum  float64
	total int
	loss  float64
	// A sampler's bar is set about every samplerEvery and at its last
	// iteration: the clock is read every stride-th iteration (calls
	// counts them since the last read), and skipped is an iteration not
	// yet shown.
	lastSet, lastRead      time.Time
	calls, stride, skipped int
}

// samplerEvery is how often a sampler's iterations update the bar. An
// update costs about 300 ns (a lock, clock reads, the rate's averages)
// and a clock read 100 ns or more on a virtual machine, against 3–10 µs
// for a NUTS iteration on a small model; the bar is drawn at most every
// 100 ms anyway.
const samplerEvery = 20 * time.Millisecond

// maxStride caps the iterations between clock reads (the bar lags at
// most this many iterations when they suddenly become slower).
const maxStride = 256

// samplerDue reports whether a sampler's bar is due an update at step:
// the last step, or samplerEvery since the last update. It reads the
// clock every stride-th call, the stride aimed at a read every
// samplerEvery/4.
func (b *Bar) samplerDue(step, total int) bool {
	if step >= total {
		return true
	}
	b.calls++
	if b.calls < b.stride {
		return false
	}
	now := time.Now()
	if el := now.Sub(b.lastRead); b.calls > 0 && el > 0 && !b.lastRead.IsZero() {
		aim := int(float64(b.calls) * float64(samplerEvery/4) / float64(el))
		b.stride = max(1, min(aim, 2*b.stride, maxStride))
	}
	b.calls, b.lastRead = 0, now
	return now.Sub(b.lastSet) >= samplerEvery
}

// smoothing is the weight of the previous average in the smoothed loss.
const smoothing = 0.98

// NewBar returns a bar writing to w; extra options (a width, a throttle)
// come after the defaults.
func NewBar(w io.Writer, extra ...progressbar.Option) *Bar {
	return &Bar{w: w, opts: extra}
}

// Step implements infer.ProgressDisplay. A NaN loss (sample's NUTS
// iterations) shows the bar without a loss, set at most every 20 ms and
// at the last iteration (Finish shows where a stopped sampler was).
func (b *Bar) Step(step, total int, loss float64) {
	sampler := math.IsNaN(loss)
	if b.bar == nil {
		b.total = total
		its, desc := "steps", "fit"
		if sampler {
			its, desc = "it", "sample"
		}
		opts := []progressbar.Option{
			progressbar.OptionSetWriter(b.w),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString(its),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100 * time.Millisecond),
			progressbar.OptionSetDescription(desc),
		}
		b.bar = progressbar.NewOptions(total, append(opts, b.opts...)...)
	}
	if sampler { // a sampler's iterations (sample), not a fit's steps
		if !b.samplerDue(step, total) {
			b.skipped = step
			return
		}
		b.lastSet, b.skipped = b.lastRead, 0
		_ = b.bar.Set(step)
		return
	}
	b.ema = smoothing*b.ema + (1-smoothing)*loss
	b.wsum = smoothing*b.wsum + (1 - smoothing)
	b.loss = b.ema / b.wsum
	b.bar.Describe(fmt.Sprintf("fit  loss %-10.4f", b.loss))
	_ = b.bar.Set(step)
}

// Loss returns the smoothed loss shown.
func (b *Bar) Loss() float64 { return b.loss }

// Finish implements infer.ProgressDisplay: the bar is completed (or left
// where a cancelled or converged fit stopped) and the line ended; a fit
// stopped by the stopping rule (converged) says so on a line of its own
// (its reason and the final loss).
func (b *Bar) Finish(steps int, converged bool, reason string, loss float64) {
	if b.bar == nil {
		return
	}
	if b.skipped > 0 { // a sampler's last iterations, not yet shown
		_ = b.bar.Set(b.skipped)
	}
	if steps >= b.total {
		_ = b.bar.Finish()
	} else {
		_ = b.bar.Exit()
	}
	fmt.Fprintln(b.w)
	if converged { // a cancelled fit is reported by the REPL or the command
		fmt.Fprintf(b.w, "%s; loss %.4f after %d steps\n", reason, loss, steps)
	}
}
