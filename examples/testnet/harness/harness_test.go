package harness

import (
	"context"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/stretchr/testify/require"
)

func TestScheduleIsSeeded(t *testing.T) {
	m := Manifest{Seed: 7, Perturbations: 40}.WithDefaults()
	a, b := Schedule(m), Schedule(m)
	require.Equal(t, a, b, "same seed, same schedule")
	require.Len(t, a, 40)
	m.Seed = 8
	require.NotEqual(t, a, Schedule(m), "another seed, another schedule")
	kinds := map[Kind]int{}
	for _, p := range a {
		kinds[p.Kind]++
		require.GreaterOrEqual(t, p.Gap, time.Duration(m.GapMin))
		require.Less(t, p.Gap, time.Duration(m.GapMax))
		switch p.Kind {
		case QuorumPause:
			require.Len(t, p.Nodes, 2) // f+1 of 4
		case Partition:
			require.True(t, len(p.Nodes) == 1 || len(p.Nodes) == 2, "one side holds 1 to f+1 nodes")
		default:
			require.Len(t, p.Nodes, 1)
		}
		for _, i := range p.Nodes {
			require.True(t, i >= 0 && i < m.Validators)
		}
		if p.Kind == Skew {
			require.Contains(t, []float64{0.5, 2}, p.TickFactor)
		}
	}
	require.Len(t, kinds, len(DefaultKinds), "40 draws cover every default kind")
	require.Zero(t, kinds[DiskFull], "diskfull only when asked for")

	m.Kinds = []Kind{DiskFull, Kill}
	withDisk := Schedule(m)
	require.Equal(t, withDisk, Schedule(m))
	disk := 0
	for _, p := range withDisk {
		if p.Kind == DiskFull {
			disk++
			require.Len(t, p.Nodes, 1)
			require.True(t, p.Bytes >= 0 && p.Bytes < maxDiskBudget, "budget %d", p.Bytes)
			require.Contains(t, p.String(), "bytes left")
		}
	}
	require.Positive(t, disk)
}

func TestManifest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "net.toml")
	require.NoError(t, os.WriteFile(path, []byte("validators = 7\nshards = 3\nseed = 42\nkinds = [\"kill\", \"pause\"]\ngap_min = \"1s\"\ngap_max = \"2s\"\n"), 0o644))
	m, err := ReadManifest(path)
	require.NoError(t, err)
	require.Equal(t, 7, m.Validators)
	require.Equal(t, []Kind{Kill, Pause}, m.Kinds)
	require.Equal(t, Duration(time.Second), m.GapMin)

	require.NoError(t, os.WriteFile(path, []byte("validatorz = 7\n"), 0o644))
	_, err = ReadManifest(path)
	require.Error(t, err, "unknown keys are refused")
	require.NoError(t, os.WriteFile(path, []byte("kinds = [\"diskfull\", \"kill\"]\n"), 0o644))
	m, err = ReadManifest(path)
	require.NoError(t, err)
	require.Equal(t, []Kind{DiskFull, Kill}, m.Kinds)
	require.NoError(t, os.WriteFile(path, []byte("kinds = [\"flood\"]\n"), 0o644))
	_, err = ReadManifest(path)
	require.ErrorContains(t, err, "unknown perturbation kind")
	require.Error(t, Manifest{Validators: 3}.Validate(), "BFT needs 4")

	example, err := ReadManifest("../manifest.example.toml")
	require.NoError(t, err)
	require.Equal(t, Manifest{Seed: 8}.WithDefaults(), example.WithDefaults(), "the example manifest spells out the defaults")
}

func TestTransferSignature(t *testing.T) {
	key := DemoKey(3)
	u := Transfer{ChainID: 2026, Shard: 1, Nonce: 9, To: crypto.PubkeyToAddress(DemoKey(4).PublicKey), Amount: 5}
	raw, h, err := u.Sign(key)
	require.NoError(t, err)
	require.Equal(t, crypto.Keccak256Hash(raw), h)
	var w wireTx
	require.NoError(t, rlp.DecodeBytes(raw, &w))
	require.Len(t, w.Sig, 65)
	payload, err := rlp.EncodeToBytes(u)
	require.NoError(t, err)
	pub, err := crypto.SigToPub(crypto.Keccak256([]byte(txDomain), payload), w.Sig)
	require.NoError(t, err)
	require.Equal(t, crypto.PubkeyToAddress(key.PublicKey), crypto.PubkeyToAddress(*pub))
	// low S: s ≤ n/2, as the node requires
	halfN := new(big.Int).Rsh(crypto.S256().Params().N, 1)
	require.LessOrEqual(t, new(big.Int).SetBytes(w.Sig[32:64]).Cmp(halfN), 0)
}

func TestRSS(t *testing.T) {
	r, err := RSS(os.Getpid())
	require.NoError(t, err)
	require.Greater(t, r, uint64(1<<20))
	_, err = RSS(1 << 30)
	require.Error(t, err)
}

// TestPerturbation is the CI-sized run: 4 node processes, 2 shards, 12
// seeded perturbations under load (seed 18 draws each of the six kinds
// twice), then the full audit. It takes a few minutes, so it runs only with
// IOSTKIT_PERTURB=1 (.ci/run sets it); IOSTKIT_PERTURB_SEED picks another
// schedule, IOSTKIT_NODE_BIN a prebuilt node binary (otherwise it is built).
func TestPerturbation(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four node processes for a few minutes")
	}
	if os.Getenv("IOSTKIT_PERTURB") == "" {
		t.Skip("set IOSTKIT_PERTURB=1 to run the perturbation testnet (a few minutes; .ci/run does)")
	}
	seed := int64(18) // draws every kind twice
	if s := os.Getenv("IOSTKIT_PERTURB_SEED"); s != "" {
		var err error
		seed, err = strconv.ParseInt(s, 10, 64)
		require.NoError(t, err, "IOSTKIT_PERTURB_SEED")
	}
	runPerturbation(t, Manifest{Seed: seed, Perturbations: 12}.WithDefaults())
}

// TestPerturbationDiskFull is the CI-sized run with every kind, diskfull
// included: seed 140 draws each of the seven kinds, diskfull, kill,
// partition, pause and quorum-pause twice. Like TestPerturbation it runs
// only with IOSTKIT_PERTURB=1; IOSTKIT_PERTURB_SEED picks another schedule.
func TestPerturbationDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four node processes for a few minutes")
	}
	if os.Getenv("IOSTKIT_PERTURB") == "" {
		t.Skip("set IOSTKIT_PERTURB=1 to run the perturbation testnet (a few minutes)")
	}
	seed := int64(140)
	if s := os.Getenv("IOSTKIT_PERTURB_SEED"); s != "" {
		var err error
		seed, err = strconv.ParseInt(s, 10, 64)
		require.NoError(t, err, "IOSTKIT_PERTURB_SEED")
	}
	m := Manifest{Seed: seed, Perturbations: 12, Kinds: AllKinds}.WithDefaults()
	disk := 0
	for _, p := range Schedule(m) {
		if p.Kind == DiskFull {
			disk++
		}
	}
	if disk == 0 {
		t.Skipf("seed %d draws no diskfull", seed)
	}
	rep := runPerturbation(t, m)
	n, _, _ := rep.RejoinStats(DiskFull)
	require.Equal(t, disk, n, "every diskfull stopped its node, which rejoined")
}

// runPerturbation starts the network of m, runs its schedule and requires
// a clean audit.
func runPerturbation(t *testing.T, m Manifest) Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := os.Getenv("IOSTKIT_NODE_BIN")
	if bin == "" {
		var err error
		bin, err = BuildNode(ctx, dir)
		require.NoError(t, err)
	}
	n, err := Start(ctx, m, bin, dir, nil)
	require.NoError(t, err)
	t.Cleanup(func() {
		n.Close()
		if t.Failed() {
			for _, nd := range n.Nodes {
				t.Logf("--- node %d log tail\n%s", nd.Index, nd.LogTail(3000))
			}
		}
	})
	rep, err := Run(ctx, n, Schedule(m), testLog{t})
	require.NoError(t, err)
	t.Log("\n" + rep.Summary())
	require.Len(t, rep.Applied, m.Perturbations)
	require.Empty(t, rep.Violations)
	require.Greater(t, rep.Audit.OK, 0, "transfers executed")
	require.Greater(t, rep.Audit.Cross, 0, "cross-shard transfers executed")
	require.Equal(t, rep.Audit.GenesisSupply, rep.Audit.Supply)
	// The liveness bound the issue asks for (generous: the machine is shared).
	require.Less(t, rep.Liveness, time.Duration(m.LivenessBound))
	return rep
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(string(p[:len(p)-1]))
	return len(p), nil
}

// TestFreePortAvoidsTheEphemeralRange: the harness's ports are free when
// drawn and lie below the kernel's ephemeral range, where outgoing
// connections and other processes' "port 0" listeners do not land.
func TestFreePortAvoidsTheEphemeralRange(t *testing.T) {
	for range 20 {
		p, err := FreePort()
		require.NoError(t, err)
		require.GreaterOrEqual(t, p, portLow)
		require.Less(t, p, portHigh)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		require.NoError(t, err, "free when drawn")
		require.NoError(t, l.Close())
	}
}
