package microstate

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ics23 "github.com/cosmos/ics23/go"
	"github.com/stretchr/testify/require"
)

// The crash test re-runs this test binary as a child that commits blocks to
// a pebble store until it is killed with SIGKILL at a random moment — often
// in the middle of a block's batch or of an MSB build — then reopens the
// store and checks it against a reference built in memory.

const (
	crashEnv      = "MICROSTATE_CRASH_DIR"
	crashKeys     = 5_000
	crashWrites   = 1_000
	crashInterval = 4
)

func crashConfig(dir string) Config {
	return Config{Dir: dir, Backend: BackendPebble, ChainID: "crash", Shard: 7, MSBInterval: crashInterval, KeepMSBs: 2}
}

func crashInfo(h uint64) BlockInfo {
	return BlockInfo{Height: h, Epoch: h / 7, EndOfEpoch: h%7 == 6}
}

// crashHeightKey holds the height in the state itself, as the node keeps
// its chain height: a reader that serves it must never serve a height that
// a crash can take back.
var crashHeightKey = []byte("chain/height")

// crashBlock is block h of the crash test: genBlock's writes and the height.
func crashBlock(h uint64) []Write {
	return append(genBlock(h, crashKeys, crashWrites), Write{Key: crashHeightKey, Value: binary.BigEndian.AppendUint64(nil, h)})
}

// TestCrashHelper is the child process; it does nothing in a normal run.
func TestCrashHelper(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("child process of TestCrashRecovery")
	}
	s, err := Open(ctx, crashConfig(dir))
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(3)
	}
	// A reader polls the height the state holds, as the node's API does,
	// and reports every new one it sees ("S h"): the parent checks that the
	// store never lets it see a height that the kill then takes back.
	go func() {
		var seen uint64
		for {
			v, err := s.Get(crashHeightKey)
			if err != nil {
				fmt.Println("ERR", err)
				os.Exit(3)
			}
			if len(v) == 8 && binary.BigEndian.Uint64(v) > seen {
				seen = binary.BigEndian.Uint64(v)
				fmt.Printf("S %d\n", seen)
			}
		}
	}()
	for {
		h := s.Height() + 1
		r, err := s.ApplyBlock(ctx, crashInfo(h), crashBlock(h))
		if err != nil {
			fmt.Println("ERR", err)
			os.Exit(3)
		}
		fmt.Printf("C %d %x\n", h, r.Block.Commitment)
	}
}

// crashRef is the reference: the same blocks applied to a memdb store.
type crashRef struct {
	s       *Store
	commits map[uint64][32]byte
	headers map[uint64]Header // by MSB number
}

func (r *crashRef) advance(t *testing.T, to uint64) {
	for r.s.Height() < to {
		h := r.s.Height() + 1
		res, err := r.s.ApplyBlock(ctx, crashInfo(h), crashBlock(h))
		require.NoError(t, err)
		r.commits[h] = res.Block.Commitment
		if res.MSB != nil {
			r.headers[res.MSB.Number] = *res.MSB
		}
	}
}

func TestCrashRecovery(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("in the child")
	}
	budget := 45 * time.Second
	if testing.Short() || raceEnabled {
		budget = 15 * time.Second
	}
	dir := t.TempDir()
	cfg := crashConfig(dir)
	refCfg := cfg
	refCfg.Backend, refCfg.Dir = BackendMemDB, ""
	rs, err := Open(ctx, refCfg)
	require.NoError(t, err)
	defer rs.Close()
	ref := &crashRef{s: rs, commits: map[uint64][32]byte{}, headers: map[uint64]Header{}}
	rng := rand.New(rand.NewPCG(7, 7))

	start := time.Now()
	kills, afterBatch, midMSB, servedAhead := 0, 0, 0, 0
	for time.Since(start) < budget || kills < 5 {
		printed, served := runAndKill(t, dir, rng)
		kills++
		s, err := Open(ctx, cfg)
		require.NoError(t, err, "reopen after kill %d", kills)
		h := s.Height()
		require.GreaterOrEqual(t, h, printed, "kill %d: a committed block was lost", kills)
		require.GreaterOrEqual(t, h, served, "kill %d: the store let a reader see height %d, lost by the kill", kills, served)
		if served > printed {
			servedAhead++ // seen by the reader before ApplyBlock returned
		}
		require.LessOrEqual(t, h, printed+1, "kill %d: more blocks than were applied", kills)
		if h == printed+1 {
			afterBatch++ // killed after the block's batch was durable, before the child reported it
			if h%crashInterval == 0 || crashInfo(h).EndOfEpoch {
				midMSB++ // most likely during the MSB build
			}
		}
		ref.advance(t, h)
		if h > 0 {
			require.Equal(t, ref.commits[h], [32]byte(s.Commitment()), "kill %d: commitment at height %d", kills, h)
		}
		// the flat state is exactly the reference's at h: no partial block
		var got, want bytes.Buffer
		require.NoError(t, s.Iterate(nil, nil, func(k, v []byte) bool { fmt.Fprintf(&got, "%x=%x;", k, v); return true }))
		require.NoError(t, ref.s.Iterate(nil, nil, func(k, v []byte) bool { fmt.Fprintf(&want, "%x=%x;", k, v); return true }))
		require.Equal(t, want.String(), got.String(), "kill %d: state at height %d", kills, h)
		// the latest MSB matches and is provable
		if sh, err := s.LatestMSB(); err == nil {
			rh := ref.headers[sh.Header.Number]
			require.Equal(t, rh.Hash(), sh.Header.Hash(), "kill %d: MSB %d", kills, sh.Header.Number)
			k := acct(rng.IntN(crashKeys))
			p, err := s.Prove(k, 0)
			require.NoError(t, err)
			if p.Exists {
				require.True(t, ics23.VerifyMembership(ics23.IavlSpec, rh.StateRoot, p.Proof, k, p.Value))
			} else {
				require.True(t, ics23.VerifyNonMembership(ics23.IavlSpec, rh.StateRoot, p.Proof, k))
			}
		}
		require.NoError(t, s.Close())
	}
	t.Logf("%d kills in %v, reached height %d; %d kills between a block's durable batch and its report, %d of them at MSB heights (during the MSB build); %d with a height served before ApplyBlock returned",
		kills, time.Since(start).Round(time.Millisecond), ref.s.Height(), afterBatch, midMSB, servedAhead)
	require.Positive(t, ref.s.Height())
}

// runAndKill starts the child, lets it commit for a random while, kills it
// and returns the last height it reported committed (after ApplyBlock
// returned) and the highest its reader saw in the state.
func runAndKill(t *testing.T, dir string, rng *rand.Rand) (committed, served uint64) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	var last, seen atomic.Uint64
	done := make(chan struct{})
	first := make(chan struct{}, 1)
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 2 && f[0] == "S" {
				h, _ := strconv.ParseUint(f[1], 10, 64)
				seen.Store(max(seen.Load(), h))
			} else if len(f) == 3 && f[0] == "C" {
				h, _ := strconv.ParseUint(f[1], 10, 64)
				last.Store(h)
				select {
				case first <- struct{}{}:
				default:
				}
			} else if len(f) > 0 && f[0] == "ERR" {
				t.Errorf("child: %s", sc.Text())
			}
		}
	}()
	select { // let it recover and commit at least once, most of the time
	case <-first:
	case <-time.After(20 * time.Second):
	}
	time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	<-done
	return last.Load(), seen.Load()
}
