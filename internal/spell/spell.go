// Package spell suggests the nearest known name for a misspelt one, for
// "did you mean" hints in error messages.
package spell

import (
	"sort"
	"strings"
)

// Nearest returns the candidate closest to name by edit distance, or "" if
// none is close enough to be a plausible typo (one edit for short names, a
// third of the length otherwise; a one-letter name only matches another
// case, since "b" for "a" is noise, not a typo). Case differences count as
// half an edit so "normal" suggests "Normal".
func Nearest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	n := len([]rune(name))
	limit := 2 * max(1, n/3) // in half-edits
	if n == 1 {
		limit = 1
	}
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	for _, c := range sorted {
		if c == name {
			continue
		}
		d := distance(name, c)
		if d < bestD {
			best, bestD = c, d
		}
	}
	// Distances are doubled (case-only edits cost 1, others 2).
	if bestD > limit {
		return ""
	}
	return best
}

// Hint returns ` (did you mean "x"?)` for the nearest candidate, or "".
func Hint(name string, candidates []string) string {
	if n := Nearest(name, candidates); n != "" {
		return ` (did you mean "` + n + `"?)`
	}
	return ""
}

// distance is the Levenshtein distance (with adjacent transpositions) in
// half-edits: substituting a letter for the same letter in another case
// costs 1, every other edit 2.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = 2 * j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = 2 * i
		for j := 1; j <= len(rb); j++ {
			sub := 2
			if ra[i-1] == rb[j-1] {
				sub = 0
			} else if strings.EqualFold(string(ra[i-1]), string(rb[j-1])) {
				sub = 1
			}
			cur[j] = min(prev[j]+2, cur[j-1]+2, prev[j-1]+sub)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+2)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
