//go:build race

package infer_test

// raceEnabled is true under the race detector, which makes sync.Pool drop
// items at random (so heap allocation figures are not meaningful).
const raceEnabled = true
