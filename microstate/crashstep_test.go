package microstate

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// The step test crashes a child process at a chosen step of a commit, an
// MSB build, a prune or a snapshot import (where crashPoint is called), then
// finishes the job in the parent and checks that the store ends exactly
// where a store that never crashed is: same commitments, same state, and
// the same MSB headers — state roots included — for every MSB, those built
// during recovery and after it too (reliability finding 8 asked whether a
// crash can make the root differ).

const (
	stepEnv    = "MICROSTATE_STEP" // dir|step|occurrence
	stepEnd    = 40                // height the chain goes to
	stepSynced = 24                // height of the MSB a fast sync imports
	stepOwn    = 5                 // blocks the importing store has first
)

// stepRef is the store that never crashes, on the same chain.
func stepRef(t *testing.T, to uint64) *Store {
	cfg := crashConfig("")
	cfg.Backend = BackendMemDB
	s, err := Open(ctx, cfg)
	require.NoError(t, err)
	for s.Height() < to {
		h := s.Height() + 1
		_, err := s.ApplyBlock(ctx, crashInfo(h), crashBlock(h))
		require.NoError(t, err)
	}
	return s
}

// stepSync fast-syncs s from src (at height stepSynced): import of its
// latest MSB, replay of nothing more (the chain goes on with crashBlock).
func stepSync(t *testing.T, s, src *Store) {
	sh, err := src.LatestMSB()
	require.NoError(t, err)
	var chunks [][]byte
	_, err = src.Export(ctx, 0, 700, func(c []byte) error { chunks = append(chunks, c); return nil })
	require.NoError(t, err)
	require.NoError(t, s.ImportAll(ctx, sh, slices.Values(chunks)))
}

// TestCrashStepHelper is the child process; it does nothing in a normal run.
func TestCrashStepHelper(t *testing.T) {
	spec := os.Getenv(stepEnv)
	if spec == "" {
		t.Skip("child process of TestCrashBetweenSteps")
	}
	f := strings.Split(spec, "|")
	dir, step := f[0], f[1]
	k, _ := strconv.Atoi(f[2])
	hits := 0
	crashHook = func(at string) {
		if at != step {
			return
		}
		if hits++; hits == k {
			fmt.Println("CRASH", at, hits)
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
	}
	s, err := Open(ctx, crashConfig(dir))
	require.NoError(t, err)
	if strings.HasPrefix(step, "import") {
		for s.Height() < stepOwn {
			h := s.Height() + 1
			_, err := s.ApplyBlock(ctx, crashInfo(h), crashBlock(h))
			require.NoError(t, err)
		}
		stepSync(t, s, stepRef(t, stepSynced))
	}
	for s.Height() < stepEnd {
		h := s.Height() + 1
		_, err := s.ApplyBlock(ctx, crashInfo(h), crashBlock(h))
		require.NoError(t, err)
	}
	fmt.Println("DONE")
}

func TestCrashBetweenSteps(t *testing.T) {
	if os.Getenv(stepEnv) != "" {
		t.Skip("in the child")
	}
	ref := stepRef(t, stepEnd)
	defer ref.Close()
	seen := map[string]bool{}
	var want bytes.Buffer
	require.NoError(t, ref.Iterate(nil, nil, func(k, v []byte) bool { fmt.Fprintf(&want, "%x=%x;", k, v); return true }))
	for _, tc := range []struct {
		step string
		k    int
	}{
		{"block", 3}, {"block", 4}, {"block", 6}, // after the batch: before an MSB build, or none due
		{"msb-tree", 1}, {"msb-tree", 5}, // tree written, MSB not recorded
		{"msb-recorded", 2}, {"msb-recorded", 6}, // recorded, not pruned
		{"prune-tree", 1}, {"prune-tree", 3}, // an old tree removed, the bodies not yet
		{"import-staged", 1},   // the snapshot staged and ingested, the store not switched
		{"import-switched", 1}, // switched, the old state not cleaned up
	} {
		if (testing.Short() || raceEnabled) && seen[tc.step] {
			continue // one crash per step is enough for a quick run
		}
		seen[tc.step] = true
		t.Run(fmt.Sprintf("%s-%d", tc.step, tc.k), func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashStepHelper$")
			cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%s|%d", stepEnv, dir, tc.step, tc.k))
			out, _ := cmd.CombinedOutput()
			require.Contains(t, string(out), "CRASH "+tc.step, "the child did not reach the step:\n%s", out)

			s, err := Open(ctx, crashConfig(dir))
			require.NoError(t, err)
			defer s.Close()
			if strings.HasPrefix(tc.step, "import") && s.Height() < stepSynced {
				src := stepRef(t, stepSynced)
				stepSync(t, s, src) // the node tries again
				require.NoError(t, src.Close())
			}
			for s.Height() < stepEnd {
				h := s.Height() + 1
				_, err := s.ApplyBlock(ctx, crashInfo(h), crashBlock(h))
				require.NoError(t, err)
			}
			require.Equal(t, ref.Commitment(), s.Commitment())
			var got bytes.Buffer
			require.NoError(t, s.Iterate(nil, nil, func(k, v []byte) bool { fmt.Fprintf(&got, "%x=%x;", k, v); return true }))
			require.Equal(t, want.String(), got.String())
			last, err := s.LatestMSB()
			require.NoError(t, err)
			compared := 0
			for n := last.Header.Number; n >= 1; n-- {
				got, err := s.Header(n)
				if errors.Is(err, ErrNotFound) && strings.HasPrefix(tc.step, "import") {
					break // a fast-synced store knows the headers from its snapshot on
				}
				require.NoError(t, err)
				exp, err := ref.Header(n)
				require.NoError(t, err)
				require.Equal(t, exp.Header, got.Header, "MSB %d", n)
				compared++
			}
			require.GreaterOrEqual(t, compared, 3)
			// the kept trees prove against the reference's roots
			for n := last.Header.Number - 1; n <= last.Header.Number; n++ {
				p, err := s.Prove(acct(1), n)
				require.NoError(t, err)
				exp, err := ref.Header(n)
				require.NoError(t, err)
				require.NoError(t, p.Verify(exp.Header.StateRoot))
			}
		})
	}
}
