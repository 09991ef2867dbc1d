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
}

// smoothing is the weight of the previous average in the smoothed loss.
const smoothing = 0.98

// NewBar returns a bar writing to w; extra options (a width, a throttle)
// come after the defaults.
func NewBar(w io.Writer, extra ...progressbar.Option) *Bar {
	return &Bar{w: w, opts: extra}
}

// Step implements infer.ProgressDisplay. A NaN loss (sample's NUTS
// iterations) shows the bar without a loss.
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
