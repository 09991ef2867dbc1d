package flows

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/tensor"
)

// TestLoadMalformed loads every saved flow of testdata/malformed (the
// reproducers m01–m35 of the reliability probe): each damaged file gives
// the error naming what is wrong, none panics, and none allocates much
// more than the file holds, whatever shape it declares (m07, m08, m15,
// m16 and m29 declare shapes of up to 2^72 values). m25 (the same layer
// three times), m32 (odd but well-formed stage options) and m34 (a meta
// the language reads only when loading a guide) are valid flows.
func TestLoadMalformed(t *testing.T) {
	want := map[string]string{
		"m01_truncated":              "not a flow file (invalid JSON: unexpected end of JSON input)",
		"m02_empty":                  "not a flow file (invalid JSON: unexpected end of JSON input)",
		"m03_version2":               "flow file format version 2 is not supported (this flowppl reads versions 1 to 1)",
		"m04_version0":               "flow file format version 0 is not supported",
		"m05_version_string":         `version must be a whole number, got "1"`,
		"m06_shape_swapped":          "layer 0 (AffineAutoregressive): parameter 0 has shape [2, 3], want [3, 2]",
		"m07_shape_overflow":         "layer 0 (AffineAutoregressive): its configuration needs 25 parameter values, the file has 19",
		"m08_base_shape_overflow":    "base parameter 0: shape [16777216, 16777216, 16777216] does not match 0 values",
		"m09_nan_literal":            "not a flow file (invalid JSON: invalid character 'N'",
		"m10_huge_weights":           "the parameters give a draw of -Inf: the file is damaged or its values are out of range",
		"m11_perm_dup":               "permutation must be a permutation of 0..1 (a vector of 2 distinct integers), got [0, 0]",
		"m12_perm_oob":               "got [0, 5]",
		"m13_perm_neg":               "got [-1, 0]",
		"m14_perm_short":             "got [0]",
		"m15_dim_huge":               "layer 0 (AffineAutoregressive) has dimension 100000000 but the base has dimension 2",
		"m16_hidden_huge":            "its configuration needs 7340036 parameter values, the file has 25",
		"m17_base_negscale":          "base: Normal: scale must be positive, got -1",
		"m18_base_family":            `base: unknown distribution "Nope"`,
		"m19_layer_type":             `layer 0 (Evil): unknown bijector type "Evil"`,
		"m20_staged":                 "staged_layers 5 out of range (0 to 1, the number of layers)",
		"m21_std_wrong":              "standardizer 0 is not an AffineFixed layer",
		"m22_params_missing":         "its configuration needs 25 parameter values, the file has 15",
		"m23_base_noparams":          "base: Normal takes 2 arguments (loc, scale), got 0",
		"m24_activation":             `activation must be "relu", "tanh" or "elu", got "evil"`,
		"m25_layers_dup":             "",
		"m26_array_top":              "not a flow file (the file holds a JSON array, want an object)",
		"m27_null":                   `not a flow file (format missing, want "flowppl.flow")`,
		"m28_neg_shape":              "parameter 0: invalid shape [-3, -2]",
		"m29_shape_2p32":             "base parameter 0: invalid shape [4294967296, 4294967296]",
		"m30_tiny_scale":             "the parameters give a log density of +Inf",
		"m31_hidden_zero":            "hidden must be a list of positive integers (at most 1048576), got [0]",
		"m32_stage_opts":             "",
		"m33_stage_opts_garbage":     `stage 0: invalid options "))((" of AffineAutoregressive`,
		"m34_meta_garbage":           "",
		"m35_no_layers_standardizer": "standardizer 0 is not a layer (the flow has 0)",
	}
	files, err := filepath.Glob("testdata/malformed/m*.json")
	if err != nil || len(files) != len(want) {
		t.Fatalf("%d files in testdata/malformed, want %d (%v)", len(files), len(want), err)
	}
	for _, p := range files {
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: no expectation", name)
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f, err := Load(bytes.NewReader(data))
		runtime.ReadMemStats(&after)
		// A valid flow of this size takes a few hundred KB to build and
		// probe; a declared shape that allocated would take gigabytes.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<22 {
			t.Errorf("%s: Load allocated %d bytes for a %d-byte file", name, alloc, len(data))
		}
		switch {
		case w == "" && err != nil:
			t.Errorf("%s: %v, want a valid flow", name, err)
		case w == "" && f.Dim() != 2:
			t.Errorf("%s: dimension %d, want 2", name, f.Dim())
		case w != "" && (err == nil || !strings.Contains(err.Error(), w)):
			t.Errorf("%s: error %v, want %q", name, err, w)
		case w != "" && !strings.HasPrefix(err.Error(), "flows.Load: "):
			t.Errorf("%s: error %q does not say it is from flows.Load", name, err)
		}
	}
}

// TestLoadStrictJSON: keys of another case, repeated keys and values of
// the wrong kind are errors naming the field (encoding/json alone accepts
// the first two, and the fuzzer's first finding, afc9402e51cee51f, was a
// file of such keys with no layers that panicked).
func TestLoadStrictJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := Save(&buf, mustApply(t, "Affine", stdNormal(2), nil, 1)); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	for _, tt := range []struct{ file, want string }{
		{strings.Replace(good, `"base"`, `"BAse"`, 1), `the file: unknown field "BAse"`},
		{strings.Replace(good, `"fitted"`, `"version": 1, "fitted"`, 1), `the file: field "version" given twice`},
		{strings.Replace(good, `"dim": 2`, `"dim": "2"`, 1), "layers[0].dim: want a whole number, got a string"},
		{strings.Replace(good, `"dim": 2`, `"dim": 2.5`, 1), "layers[0].dim: want a whole number, got a number"},
		{strings.Replace(good, `"family": "Normal"`, `"family": ["Normal"]`, 1), "base.family: want a string, got an array"},
		{good + "{}", "invalid character '{' after top-level value"},
		{`{"formAt":"flowppl.flow","version":1,"BAse":{"fAmilY":"Normal","pArAms":[{"shApe":[2],"dAtA":[0,0]},{"shApe":[2],"dAtA":[1,1]}]}}`, `the file: unknown field "formAt"`},
		{`{"format":"flowppl.flow","version":1,"base":{"family":"Normal","params":[{"shape":[2],"data":[0,0]},{"shape":[2],"data":[1,1]}]}}`, ""},
	} {
		f, err := Load(strings.NewReader(tt.file))
		if tt.want == "" {
			if err != nil || len(f.Layers) != 0 || f.Dim() != 2 {
				t.Errorf("Load(a base and no layers) = %v, %v", f, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Load: error %v, want %q", err, tt.want)
		}
	}
}

// TestOptionsValidate: a Go caller's Options get the messages a script's
// options get (FlowOptions' ranges); the zero value is valid.
func TestOptionsValidate(t *testing.T) {
	for _, tt := range []struct {
		o    Options
		want string
	}{
		{Options{Hidden: []int{}}, "hidden must be a list of positive integers, got []"},
		{Options{Hidden: []int{8, 0}}, "hidden must be a list of positive integers, got [8, 0]"},
		{Options{Layers: -1}, "layers must be a positive integer, got -1"},
		{Options{Activation: "gelu"}, `activation must be "relu", "tanh" or "elu", got "gelu"`},
		{Options{Precision: "float16"}, `precision must be "float64" or "float32", got "float16"`},
		{Options{Bins: 1001}, "bins must be a positive integer (at most 1000), got 1001"},
		{Options{Bound: -1}, "bound must be a positive number, got -1"},
		{Options{LogScaleMin: 3, LogScaleMax: -5}, "clip_log_scale must be true, false or [lo, hi] with lo < hi, got [3, -5]"},
	} {
		if err := tt.o.Validate(); err == nil || err.Error() != tt.want {
			t.Errorf("Validate(%+v) = %v, want %q", tt.o, err, tt.want)
		}
	}
	if err := (Options{}).Validate(); err != nil {
		t.Errorf("zero Options: %v", err)
	}
}

// FuzzLoadFlow: Load rejects or accepts any file without panicking, and a
// flow it accepts samples and scores without panicking. The seeds are the
// saved flows of testdata (valid ones and the malformed reproducers) and
// testdata/fuzz/FuzzLoadFlow (afc9402e51cee51f: keys in another case and
// no layers, which panicked with index −1).
func FuzzLoadFlow(f *testing.F) {
	for _, g := range []string{"testdata/*.json", "testdata/malformed/*.json"} {
		files, _ := filepath.Glob(g)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) < 200000 {
				f.Add(b)
			}
		}
	}
	var buf bytes.Buffer
	for _, name := range Names() { // one small saved flow per bijector
		opts := map[string]OptionValue{}
		if _, takes, _ := Doc(name); len(takes) > 0 && takes[0] == "hidden" {
			opts["hidden"] = []float64{3}
		}
		var inner dist.Distribution = stdNormal(2)
		if needsPositive(name) {
			inner = mustApply(f, "Exp", stdNormal(2), nil, 1)
		}
		buf.Reset()
		if q, err := Apply(name, inner, opts, newRNG(1)); err == nil && Save(&buf, q) == nil {
			f.Add(bytes.Clone(buf.Bytes()))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fl, err := Load(bytes.NewReader(data))
		if err != nil {
			return
		}
		d := fl.Base.Dim()
		if d > 64 {
			return
		}
		rng := rand.New(rand.NewPCG(1, 2))
		x := fl.Sample(rng, 3)
		_ = fl.LogProb(x)
		_ = fl.LogProb(tensor.New(make([]float64, 3*d), 3, d))
	})
}
