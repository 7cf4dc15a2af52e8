package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestShardsExperimentDeterministic is the CI-sized experiment 1: the real
// pob engines in 1, 2 and 4 shards of 4 validators, at 0% and 10%
// cross-shard (through the real atomix state machines), with the committed
// calibration file. Two runs must write the same bytes.
func TestShardsExperimentDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the simulator twice")
	}
	run := func() map[string][]byte {
		dir := t.TempDir()
		o := options{experiment: "shards", single: singleRun{engine: "pob"}, out: dir, calibration: "testdata/calibration.json", seed: 1, quick: true, quiet: true, format: "svg"}
		require.NoError(t, runOptions(o))
		files := map[string][]byte{}
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			require.NoError(t, err)
			// The page names the output directory in its command line.
			files[e.Name()] = bytes.ReplaceAll(b, []byte(dir), []byte("OUT"))
		}
		return files
	}
	a, b := run(), run()
	require.Len(t, a, 4, "csv, json, md, svg")
	for name := range a {
		require.Equal(t, string(a[name]), string(b[name]), name)
	}
	require.Contains(t, string(a["shards.csv"]), "cross-shard,shards")
	// The cross-shard runs drove the atomix state machines.
	require.Contains(t, string(a["shards.json"]), `"atomix": {`)
	require.NotContains(t, string(a["shards.json"]), `"committed": 0,`)
}
