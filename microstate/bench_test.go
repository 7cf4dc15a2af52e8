package microstate

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cosmos/iavl"
	ics23 "github.com/cosmos/ics23/go"
	"github.com/stretchr/testify/require"
)

// Benchmarks run on a state of MICROSTATE_BENCH_ACCOUNTS accounts (default
// 1,000,000); see docs/microstate.md for the commands and figures.

const (
	benchTransfers = 5000 // per block, 3 written keys each
	benchInterval  = 100  // blocks per MSB
)

var feeKey = []byte("fee/pool")

func benchAccounts() int {
	if n, err := strconv.Atoi(os.Getenv("MICROSTATE_BENCH_ACCOUNTS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

func balance(v uint64) []byte {
	b := make([]byte, 40) // balance, nonce, padding: the size of a token account record
	binary.BigEndian.PutUint64(b, v)
	return b
}

// fixtures are built once per process: prefilling a million accounts takes
// tens of seconds.
var (
	fixMu    sync.Mutex
	fixtures = map[string]any{}
)

func fixture[T any](b *testing.B, name string, build func() T) T {
	fixMu.Lock()
	f, ok := fixtures[name]
	fixMu.Unlock()
	if ok {
		return f.(T)
	}
	b.StopTimer()
	defer b.StartTimer()
	t0 := time.Now()
	v := build()
	b.Logf("fixture %s built in %v", name, time.Since(t0).Round(time.Millisecond))
	fixMu.Lock()
	fixtures[name] = v
	fixMu.Unlock()
	return v
}

// benchRoot holds every benchmark database; TestMain removes it.
var benchRoot string

func benchDir(b *testing.B, name string) string {
	fixMu.Lock()
	if benchRoot == "" {
		root, err := os.MkdirTemp("", "microstate-bench-")
		require.NoError(b, err)
		benchRoot = root
	}
	fixMu.Unlock()
	dir, err := os.MkdirTemp(benchRoot, name+"-")
	require.NoError(b, err)
	return dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchRoot != "" {
		_ = os.RemoveAll(benchRoot)
	}
	os.Exit(code)
}

// prefilled returns a store holding n accounts at height 1 (MSB 1).
func prefilled(b *testing.B, backend string, n int) *Store {
	return fixture(b, "store-"+backend, func() *Store {
		cfg := Config{Backend: backend, Dir: benchDir(b, backend), ChainID: "bench", MSBInterval: -1}
		s, err := Open(ctx, cfg)
		require.NoError(b, err)
		ws := make([]Write, 0, n+1)
		for i := range n {
			ws = append(ws, Write{Key: acct(i), Value: balance(1_000_000)})
		}
		ws = append(ws, Write{Key: feeKey, Value: balance(0)})
		_, err = s.ApplyBlock(ctx, BlockInfo{Height: 1, EndOfEpoch: true}, ws)
		require.NoError(b, err)
		return s
	})
}

// naiveTree is the path the store is measured against: one IAVL Set per
// written key and SaveVersion per block, with IAVL's defaults (fast storage
// on) and a node cache big enough to hold the whole tree.
func naiveTree(b *testing.B, backend string, n int) *iavl.MutableTree {
	return fixture(b, "naive-"+backend, func() *iavl.MutableTree {
		db, err := openDB("naive", backend, benchDir(b, "naive-"+backend))
		require.NoError(b, err)
		tree := iavl.NewMutableTree(iavlDB{db}, 3*n, false, iavl.NewNopLogger())
		keys := make([][]byte, 0, n+1)
		for i := range n {
			keys = append(keys, acct(i))
		}
		sortKeys(keys)
		for i, k := range keys {
			_, err := tree.Set(k, balance(1_000_000))
			require.NoError(b, err)
			if i%100_000 == 99_999 {
				_, _, err = tree.SaveVersion()
				require.NoError(b, err)
			}
		}
		_, err = tree.Set(feeKey, balance(0))
		require.NoError(b, err)
		_, _, err = tree.SaveVersion()
		require.NoError(b, err)
		return tree
	})
}

// transfers yields the keys of one block: from, to, fee pool per transfer.
func transfers(r *rand.Rand, n int, fn func(k []byte)) {
	for range benchTransfers {
		fn(acct(r.IntN(n)))
		fn(acct(r.IntN(n)))
		fn(feeKey)
	}
}

func BenchmarkApplyBlock(b *testing.B) {
	n := benchAccounts()
	for _, backend := range []string{BackendPebble, BackendMemDB} {
		b.Run(backend, func(b *testing.B) {
			s := prefilled(b, backend, n)
			r := rand.New(rand.NewPCG(1, uint64(s.Height())))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ws := s.Begin()
				transfers(r, n, func(k []byte) {
					v, err := ws.Get(k)
					if err != nil || v == nil {
						b.Fatalf("get %x: %v %v", k, v, err)
					}
					_ = ws.Set(k, balance(binary.BigEndian.Uint64(v)+1))
				})
				// an MSB every benchInterval blocks and at the end of the run,
				// so its cost is always inside the measurement
				end := (i+1)%benchInterval == 0 || i == b.N-1
				if _, err := s.Commit(ctx, ws, BlockInfo{Height: s.Height() + 1, Epoch: 1, EndOfEpoch: end}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(3*benchTransfers*b.N)/b.Elapsed().Seconds(), "keys/s")
		})
		b.Run("naive-"+backend, func(b *testing.B) {
			tree := naiveTree(b, backend, n)
			r := rand.New(rand.NewPCG(2, uint64(tree.Version())))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				transfers(r, n, func(k []byte) {
					v, err := tree.Get(k)
					if err != nil || v == nil {
						b.Fatalf("get %x: %v %v", k, v, err)
					}
					if _, err := tree.Set(k, balance(binary.BigEndian.Uint64(v)+1)); err != nil {
						b.Fatal(err)
					}
				})
				if _, _, err := tree.SaveVersion(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(3*benchTransfers*b.N)/b.Elapsed().Seconds(), "keys/s")
		})
	}
}

// BenchmarkSnapshot exports the latest MSB of a prefilled store in chunks
// and imports them, verified, into an empty store.
func BenchmarkSnapshot(b *testing.B) {
	n := benchAccounts()
	for _, backend := range []string{BackendPebble, BackendMemDB} {
		b.Run(backend, func(b *testing.B) {
			src := prefilled(b, backend, n)
			b.ResetTimer()
			for range b.N {
				dst, err := Open(ctx, Config{Backend: backend, Dir: benchDir(b, "import"), ChainID: "bench", MSBInterval: -1})
				require.NoError(b, err)
				im, err := dst.Import(mustLatest(b, src))
				require.NoError(b, err)
				_, err = src.Export(ctx, 0, 4096, im.Add)
				require.NoError(b, err)
				require.NoError(b, im.Commit())
				b.StopTimer()
				require.Equal(b, src.Commitment(), dst.Commitment())
				require.NoError(b, dst.Close())
				b.StartTimer()
			}
			b.ReportMetric(float64((n+1)*b.N)/b.Elapsed().Seconds(), "keys/s")
		})
	}
}

func mustLatest(b *testing.B, s *Store) SignedHeader {
	sh, err := s.LatestMSB()
	require.NoError(b, err)
	return sh
}

// BenchmarkProof generates an ICS-23 proof for a random account at the
// latest MSB and verifies it with the stock ics23 library.
func BenchmarkProof(b *testing.B) {
	n := benchAccounts()
	s := prefilled(b, BackendPebble, n)
	sh := mustLatest(b, s)
	r := rand.New(rand.NewPCG(3, 3))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := acct(r.IntN(n))
		if i%2 == 1 {
			k = append(k, 0) // absent: non-membership
		}
		p, err := s.Prove(k, 0)
		if err != nil {
			b.Fatal(err)
		}
		var ok bool
		if p.Exists {
			ok = ics23.VerifyMembership(ics23.IavlSpec, sh.Header.StateRoot, p.Proof, k, p.Value)
		} else {
			ok = ics23.VerifyNonMembership(ics23.IavlSpec, sh.Header.StateRoot, p.Proof, k)
		}
		if !ok {
			b.Fatal("proof rejected")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "proofs/s")
}

// history is the chain that creates n accounts: blocks of benchTransfers
// transfers, each from an existing account to a new one (plus the fee pool),
// then tail blocks of transfers between existing accounts.
func history(n, tail int) [][]Write {
	r := rand.New(rand.NewPCG(4, 4))
	var blocks [][]Write
	created := 1
	ws := []Write{{Key: acct(0), Value: balance(1 << 60)}, {Key: feeKey, Value: balance(0)}}
	for created < n || tail > 0 {
		for range benchTransfers {
			from := acct(r.IntN(created))
			var to []byte
			if created < n {
				to = acct(created)
				created++
			} else {
				to = acct(r.IntN(n))
			}
			ws = append(ws, Write{Key: from, Value: balance(r.Uint64())}, Write{Key: to, Value: balance(r.Uint64())}, Write{Key: feeKey, Value: balance(r.Uint64())})
		}
		blocks = append(blocks, ws)
		ws = nil
		if created >= n {
			tail--
		}
	}
	return blocks
}

// loadAvg is the machine's load average (1, 5, 15 min), or "?" where
// /proc/loadavg does not exist: benchmarks print it with their figures.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// BenchmarkFastSync compares the three ways a new node reaches the state
// of a chain that created MICROSTATE_BENCH_ACCOUNTS accounts: importing the
// last MSB snapshot and replaying the blocks after it, replaying every block
// through the store, and replaying every block through the naive IAVL path.
func BenchmarkFastSync(b *testing.B) {
	n := benchAccounts()
	blocks := history(n, 20)
	if len(blocks) < benchInterval {
		b.Skipf("%d accounts make %d blocks, fewer than an MSB interval", n, len(blocks))
	}
	backend := BackendPebble
	for range b.N {
		loadStart := loadAvg()
		// Full replay through the store (this also builds the source), and
		// fast sync: import the last MSB, replay the blocks after it. The
		// machine is shared, so a load spike can land on either: each is
		// measured more than once, interleaved, and the fastest run of
		// each is compared (every run is printed).
		var src *Store
		var replays, fasts, imports []time.Duration
		var sh SignedHeader
		var chunks [][]byte
		for round := range 3 {
			if round < 2 {
				s, err := Open(ctx, Config{Backend: backend, Dir: benchDir(b, "src"), ChainID: "bench", MSBInterval: benchInterval})
				require.NoError(b, err)
				t0 := time.Now()
				for i, ws := range blocks {
					_, err := s.ApplyBlock(ctx, BlockInfo{Height: uint64(i + 1)}, ws)
					require.NoError(b, err)
				}
				replays = append(replays, time.Since(t0))
				if src == nil {
					src = s
					sh = mustLatest(b, src)
					_, err = src.Export(ctx, 0, 4096, func(c []byte) error { chunks = append(chunks, c); return nil })
					require.NoError(b, err)
				} else {
					require.Equal(b, src.Commitment(), s.Commitment())
					require.NoError(b, s.Close())
				}
			}
			dst, err := Open(ctx, Config{Backend: backend, Dir: benchDir(b, "dst"), ChainID: "bench", MSBInterval: benchInterval})
			require.NoError(b, err)
			t0 := time.Now()
			im, err := dst.Import(sh)
			require.NoError(b, err)
			for _, c := range chunks {
				require.NoError(b, im.Add(c))
			}
			require.NoError(b, im.Commit())
			imports = append(imports, time.Since(t0))
			for h := sh.Header.Height + 1; h <= src.Height(); h++ {
				blk, err := src.Block(h)
				require.NoError(b, err)
				_, err = dst.Replay(ctx, blk)
				require.NoError(b, err)
			}
			fasts = append(fasts, time.Since(t0))
			require.Equal(b, src.Commitment(), dst.Commitment())
			require.NoError(b, dst.Close())
		}
		replay, fast, imported := slices.Min(replays), slices.Min(fasts), slices.Min(imports)
		fmt.Printf("full replays through the store %v, fast syncs %v (imports %v)\n", replays, fasts, imports)

		// full replay through the naive path
		db, err := openDB("naive", backend, benchDir(b, "naive-replay"))
		require.NoError(b, err)
		tree := iavl.NewMutableTree(iavlDB{db}, 3*n, false, iavl.NewNopLogger())
		t0 := time.Now()
		for _, ws := range blocks {
			for _, w := range ws {
				_, err := tree.Set(w.Key, w.Value)
				require.NoError(b, err)
			}
			_, _, err := tree.SaveVersion()
			require.NoError(b, err)
		}
		naive := time.Since(t0)
		fmt.Printf("load average at the start %s, at the end %s\n", loadStart, loadAvg())
		fmt.Printf("fast sync of %d accounts (%d blocks, MSB %d at height %d), fastest: import %v + replay %d blocks = %v; fastest full replay through the store %v (%.1fx); full naive IAVL replay %v (%.1fx)\n",
			n, len(blocks), sh.Header.Number, sh.Header.Height, imported.Round(time.Millisecond), src.Height()-sh.Header.Height, fast.Round(time.Millisecond),
			replay.Round(time.Millisecond), replay.Seconds()/fast.Seconds(), naive.Round(time.Millisecond), naive.Seconds()/fast.Seconds())
		b.ReportMetric(fast.Seconds(), "fastsync-s")
		b.ReportMetric(imported.Seconds(), "import-s")
		b.ReportMetric(replay.Seconds(), "replay-s")
		b.ReportMetric(naive.Seconds(), "naive-s")
		b.ReportMetric(replay.Seconds()/fast.Seconds(), "x-vs-replay")
		b.ReportMetric(naive.Seconds()/fast.Seconds(), "x-vs-naive")
		require.NoError(b, src.Close())
		require.NoError(b, tree.Close())
	}
}
