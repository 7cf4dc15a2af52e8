package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/client"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/examples/node/internal/p2p"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/stretchr/testify/require"
)

// freePort asks the kernel for a free loopback port.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// buildBinary compiles this command once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "node")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Run(), "go build")
	return bin
}

type proc struct {
	bin  string
	args []string
	cmd  *exec.Cmd
	log  string
	api  *client.Client
}

// network prepares n validator processes over libp2p on loopback (not
// started) and stops them, printing their logs on failure, at cleanup.
func network(t *testing.T, n int, shards uint, extra ...string) []*proc {
	t.Helper()
	bin := buildBinary(t)
	dir := t.TempDir()
	procs := make([]*proc, n)
	p2pPorts := make([]int, n)
	var peers []string
	for i := range procs {
		p2pPorts[i] = freePort(t)
		peers = append(peers, fmt.Sprintf("/ip4/127.0.0.1/tcp/%d/p2p/%s", p2pPorts[i], p2p.PeerID(i)))
	}
	for i := range procs {
		apiPort := freePort(t)
		procs[i] = &proc{
			bin: bin,
			args: append([]string{"run", "--listen", fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", p2pPorts[i]), "--peers", strings.Join(peers, ","),
				"--validator-index", fmt.Sprint(i), "--validators", fmt.Sprint(n), "--api", fmt.Sprintf("127.0.0.1:%d", apiPort), "--shards", fmt.Sprint(shards),
				"--data-dir", filepath.Join(dir, fmt.Sprintf("n%d", i)), "--quiet", "--log-level", "info"}, extra...),
			log: filepath.Join(dir, fmt.Sprintf("n%d.log", i)),
			api: client.New(fmt.Sprintf("127.0.0.1:%d", apiPort)),
		}
	}
	t.Cleanup(func() {
		for _, p := range procs {
			p.stop()
		}
		if t.Failed() {
			for _, p := range procs {
				b, _ := os.ReadFile(p.log)
				t.Logf("--- %s\n%s", p.log, tail(string(b), 3000))
			}
		}
	})
	return procs
}

// heights is the node's finalized height per shard (nil if it does not
// answer).
func (p *proc) heights(ctx context.Context) []uint64 {
	st, err := p.api.Status(ctx)
	if err != nil {
		return nil
	}
	out := make([]uint64, len(st.Shards))
	for i, s := range st.Shards {
		out[i] = s.Height
	}
	return out
}

// atLeast reports whether the node answers with every shard at height h
// or above.
func (p *proc) atLeast(ctx context.Context, shards int, h uint64) bool {
	hs := p.heights(ctx)
	if len(hs) != shards {
		return false
	}
	for _, x := range hs {
		if x < h {
			return false
		}
	}
	return true
}

func (p *proc) start(t *testing.T, bin string) {
	t.Helper()
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	p.cmd = exec.Command(bin, p.args...)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	require.NoError(t, p.cmd.Start())
	f.Close()
}

func (p *proc) stop() {
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
		_, _ = p.cmd.Process.Wait()
	}
}

// TestNetwork starts four validators as four processes over libp2p on
// loopback, sends intra- and cross-shard transfers through the HTTP API,
// kills and restarts one validator, and checks that every node ends with
// the same balances and the same finalized blocks.
func TestNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four node processes")
	}
	const shards = 2
	procs := network(t, 4, shards)
	for _, p := range procs {
		p.start(t, procs[0].bin)
	}
	ctx := context.Background()
	heights := func(p *proc) []uint64 { return p.heights(ctx) }
	atLeast := func(p *proc, h uint64) bool { return p.atLeast(ctx, shards, h) }
	for _, p := range procs {
		require.Eventually(t, func() bool { return atLeast(p, 3) }, 60*time.Second, 100*time.Millisecond, "every node finalizes blocks on every shard")
	}

	// Accounts: a sender and an intra-shard and a cross-shard recipient.
	sender := chain.DemoKey(0)
	from := chain.DemoAddress(0)
	var local, remote common.Address
	for i := 1; local == (common.Address{}) || remote == (common.Address{}); i++ {
		a := chain.DemoAddress(i)
		if eds.ShardOf(a, shards) == eds.ShardOf(from, shards) {
			if local == (common.Address{}) {
				local = a
			}
		} else if remote == (common.Address{}) {
			remote = a
		}
	}
	nonce := uint64(0)
	send := func(via *proc, to common.Address, amount uint64) common.Hash {
		t.Helper()
		tx, err := txn.Sign(txn.Unsigned{ChainID: config.DefaultChainID, Shard: eds.ShardOf(from, shards), Nonce: nonce, To: to, Amount: amount}, sender)
		require.NoError(t, err)
		_, err = via.api.Submit(ctx, tx)
		require.NoError(t, err)
		nonce++
		return tx.Hash()
	}
	settled := func(via *proc, h common.Hash, want string) {
		t.Helper()
		require.Eventually(t, func() bool {
			s, err := via.api.Tx(ctx, h)
			return err == nil && s.Status == want && s.OK
		}, 60*time.Second, 100*time.Millisecond, "transfer %s reaches %s", h, want)
	}

	settled(procs[1], send(procs[1], local, 1_000), "final")
	settled(procs[1], send(procs[1], remote, 2_000), "credited")

	// Kill validator 0 (the believable producer of both shards: it has the
	// largest stake); the others keep finalizing without it.
	procs[0].stop()
	settled(procs[2], send(procs[2], remote, 3_000), "credited")
	settled(procs[3], send(procs[3], local, 4_000), "final")
	h2 := heights(procs[2])
	require.Len(t, h2, shards)

	// Restart it: it resumes from its data directory and catches up.
	procs[0].start(t, procs[0].bin)
	target := max(h2[0], h2[1]) + 2
	require.Eventually(t, func() bool { return atLeast(procs[0], target) }, 90*time.Second, 200*time.Millisecond, "the restarted node catches up")

	// Every node agrees on the balances...
	for _, a := range []common.Address{from, local, remote} {
		var want uint64
		for i, p := range procs {
			var got uint64
			require.Eventually(t, func() bool {
				acct, err := p.api.Account(ctx, a)
				got = acct.BalanceBase
				return err == nil && (i == 0 || got == want)
			}, 30*time.Second, 100*time.Millisecond, "node %d balance of %s: %d, node 0 says %d", i, a, got, want)
			if i == 0 {
				want = got
			}
		}
	}
	// ...including the transfers' effects...
	acct, err := procs[3].api.Account(ctx, remote)
	require.NoError(t, err)
	require.Equal(t, uint64(chain.DemoBalance)+5_000, acct.BalanceBase)
	// ...and on every finalized block up to a common height.
	for s := uint32(0); s < shards; s++ {
		h := target
		var hash string
		for i, p := range procs {
			b, err := p.api.Block(ctx, s, h)
			require.NoError(t, err, "node %d shard %d height %d", i, s, h)
			if i == 0 {
				hash = b.Hash
			}
			require.Equal(t, hash, b.Hash, "node %d shard %d height %d", i, s, h)
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestFastSyncJoin runs four of five validators over libp2p until every
// shard is well past a certified Micro State Block, then starts the fifth
// with an empty data directory. It must join by fast sync — import the
// shard's latest certified snapshot, fetch its committee's history, then
// follow block by block — and agree with the others on balances and
// finalized blocks.
func TestFastSyncJoin(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five node processes")
	}
	const shards = 2
	// Short epochs: a Micro State Block at every epoch end, and the
	// snapshot's certificate comes from a committee of a later epoch.
	procs := network(t, 5, shards, "--epoch-blocks", "60")
	for _, p := range procs[:4] {
		p.start(t, p.bin)
	}
	ctx := context.Background()
	require.Eventually(t, func() bool { return procs[0].atLeast(ctx, shards, 3) }, 60*time.Second, 100*time.Millisecond)

	// Some state to carry over: an intra- and a cross-shard transfer.
	from := chain.DemoAddress(0)
	var local, remote common.Address
	for i := 1; local == (common.Address{}) || remote == (common.Address{}); i++ {
		if a := chain.DemoAddress(i); eds.ShardOf(a, shards) == eds.ShardOf(from, shards) && local == (common.Address{}) {
			local = a
		} else if eds.ShardOf(a, shards) != eds.ShardOf(from, shards) && remote == (common.Address{}) {
			remote = a
		}
	}
	for nonce, to := range []common.Address{local, remote} {
		tx, err := txn.Sign(txn.Unsigned{ChainID: config.DefaultChainID, Shard: eds.ShardOf(from, shards), Nonce: uint64(nonce), To: to, Amount: 7_000}, chain.DemoKey(0))
		require.NoError(t, err)
		_, err = procs[1].api.Submit(ctx, tx)
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool {
		a, err := procs[2].api.Account(ctx, remote)
		return err == nil && a.BalanceBase == uint64(chain.DemoBalance)+7_000
	}, 90*time.Second, 200*time.Millisecond, "the cross-shard transfer commits")

	// Well past the fast-sync gap, so the newcomer takes a snapshot.
	require.Eventually(t, func() bool { return procs[0].atLeast(ctx, shards, 170) }, 240*time.Second, 500*time.Millisecond)
	joiner := procs[4]
	joiner.start(t, joiner.bin)
	hs := procs[0].heights(ctx)
	require.Len(t, hs, shards)
	target := max(hs[0], hs[1]) + 5
	require.Eventually(t, func() bool { return joiner.atLeast(ctx, shards, target) }, 120*time.Second, 200*time.Millisecond, "the newcomer catches up")

	log, err := os.ReadFile(joiner.log)
	require.NoError(t, err)
	require.Equal(t, shards, strings.Count(string(log), "fast sync: snapshot imported"), "every shard was fast-synced, not replayed")

	// It agrees with the others on balances...
	for _, a := range []common.Address{from, local, remote} {
		want, err := procs[0].api.Account(ctx, a)
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			got, err := joiner.api.Account(ctx, a)
			return err == nil && got.BalanceBase == want.BalanceBase
		}, 30*time.Second, 200*time.Millisecond, "balance of %s", a)
	}
	// ...and on the finalized blocks it executed after the snapshot.
	mine := joiner.heights(ctx)
	require.Len(t, mine, shards)
	for s := uint32(0); s < shards; s++ {
		b, err := joiner.api.Block(ctx, s, mine[s])
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			theirs, err := procs[3].api.Block(ctx, s, mine[s])
			return err == nil && theirs.Hash == b.Hash
		}, 30*time.Second, 200*time.Millisecond, "shard %d height %d", s, mine[s])
	}
}
