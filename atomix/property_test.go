package atomix_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	"github.com/iostkit/iostkit/atomix"
	"github.com/iostkit/iostkit/internal/atomixsim"
	"github.com/iostkit/iostkit/internal/sim"
)

// schedule is one seeded run: 2–16 shards, account or UTXO objects,
// concurrent conflicting transfers in phases, clients that crash part-way,
// shard leaders that crash at random ticks (every protocol step gets hit
// over the seeds), loss, duplication, reordering, epoch changes, and an
// attacker replaying and repackaging proofs. After each phase the world
// must go quiet and pass its invariant checks; for the account model the
// whole history (transfers with their outcomes, balance reads at phase
// ends) must be linearizable for porcupine.
type schedule struct {
	seed  uint64
	utxo  bool
	r     *rand.Rand
	w     *atomixsim.World
	accts []acct
	coins []coin
	ops   []porcupine.Operation
	stats schedStats
	open  map[common.Hash]*submitted // transfers without a final outcome yet
	order []common.Hash
}

type acct struct {
	shard atomix.ShardID
	id    common.Hash
}

type coin struct {
	shard atomix.ShardID
	id    common.Hash
	value uint64
}

type schedStats struct {
	committed, aborted, retried, crashes int
}

// transferOp is a porcupine input: amounts moved between account indexes.
type transferOp struct {
	from    []int
	fromAmt []uint64
	to      []int
	toAmt   []uint64
}

type readOp struct{}

func bankModel(n int, genesis []uint64) porcupine.Model {
	return porcupine.Model{
		Init: func() any { return slices.Clone(genesis) },
		Step: func(state, input, output any) (bool, any) {
			bal := state.([]uint64)
			switch in := input.(type) {
			case readOp:
				return slices.Equal(bal, output.([]uint64)), bal
			case transferOp:
				if !output.(bool) {
					return true, bal // an abort changes nothing and is always allowed
				}
				next := slices.Clone(bal)
				for i, a := range in.from {
					if next[a] < in.fromAmt[i] {
						return false, bal
					}
					next[a] -= in.fromAmt[i]
				}
				for i, a := range in.to {
					next[a] += in.toAmt[i]
				}
				return true, next
			}
			return false, bal
		},
		Equal: func(a, b any) bool { return slices.Equal(a.([]uint64), b.([]uint64)) },
	}
}

func newSchedule(seed uint64) (*schedule, error) {
	r := rand.New(rand.NewPCG(seed, 0xa70319))
	shards := 2 + r.IntN(15)
	cfg := atomixsim.Config{
		Seed:   seed,
		Shards: shards,
		Net: sim.Config{
			MinDelay:     1,
			MaxDelay:     1 + r.Uint64N(4),
			DropPerMille: uint32(r.IntN(4)) * 50,
			DupPerMille:  uint32(r.IntN(4)) * 50,
		},
		FinalityTicks:  1 + r.Uint64N(3),
		RetryTicks:     3 + r.Uint64N(4),
		ReplayPerMille: uint32(r.IntN(3)) * 150,
	}
	if r.IntN(2) == 0 {
		cfg.EpochTicks = 15 + r.Uint64N(30)
	}
	w, err := atomixsim.New(cfg)
	if err != nil {
		return nil, err
	}
	s := &schedule{seed: seed, utxo: seed%2 == 1, r: r, w: w, open: map[common.Hash]*submitted{}}
	for sh := range shards {
		for k := range 2 {
			id := common.BytesToHash([]byte{byte(sh), byte(k), 0xac})
			if s.utxo {
				c := coin{shard: atomix.ShardID(sh), id: id, value: 10 + r.Uint64N(50)}
				s.coins = append(s.coins, c)
				err = w.Fund(c.shard, c.id, atomix.NewCoin(c.value))
			} else {
				s.accts = append(s.accts, acct{shard: atomix.ShardID(sh), id: id})
				err = w.Fund(atomix.ShardID(sh), id, atomix.NewAccount(100))
			}
			if err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

func (s *schedule) accountTx(nonce uint64) (atomix.Tx, transferOp) {
	r := s.r
	var tx atomix.Tx
	var op transferOp
	var total uint64
	for _, i := range r.Perm(len(s.accts))[:1+r.IntN(3)] {
		amt := 1 + r.Uint64N(60)
		a := s.accts[i]
		tx.Inputs = append(tx.Inputs, atomix.Input{Shard: a.shard, Kind: atomix.KindAccount, Object: a.id, Amount: amt})
		op.from, op.fromAmt = append(op.from, i), append(op.fromAmt, amt)
		total += amt
	}
	outs := 1 + r.IntN(2)
	for k := range outs {
		amt := total / uint64(outs)
		if k == outs-1 {
			amt = total - amt*uint64(outs-1)
		}
		i := r.IntN(len(s.accts))
		a := s.accts[i]
		tx.Outputs = append(tx.Outputs, atomix.Output{Shard: a.shard, Kind: atomix.KindAccount, Object: a.id, Amount: amt})
		op.to, op.toAmt = append(op.to, i), append(op.toAmt, amt)
	}
	tx.Nonce = nonce
	return tx, op
}

func (s *schedule) coinTx(nonce uint64) atomix.Tx {
	r := s.r
	var tx atomix.Tx
	var total uint64
	for _, i := range r.Perm(len(s.coins))[:1+r.IntN(min(3, len(s.coins)))] {
		c := s.coins[i]
		tx.Inputs = append(tx.Inputs, atomix.Input{Shard: c.shard, Kind: atomix.KindCoin, Object: c.id, Amount: c.value})
		total += c.value
	}
	outs := 1 + r.IntN(3)
	if uint64(outs) > total {
		outs = 1
	}
	shards := len(s.w.Nodes)
	for k := range outs {
		amt := total / uint64(outs)
		if k == outs-1 {
			amt = total - amt*uint64(outs-1)
		}
		tx.Outputs = append(tx.Outputs, atomix.Output{Shard: atomix.ShardID(r.IntN(shards)), Kind: atomix.KindCoin, Amount: amt})
	}
	tx.Nonce = nonce
	return tx
}

// reach picks the input shards a client reaches before it crashes: all of
// them usually, some or none otherwise.
func (s *schedule) reach(tx atomix.Tx) []atomix.ShardID {
	ins := tx.InputShards()
	if s.r.IntN(3) != 0 {
		return ins
	}
	s.r.Shuffle(len(ins), func(i, j int) { ins[i], ins[j] = ins[j], ins[i] })
	return ins[:s.r.IntN(len(ins)+1)]
}

type submitted struct {
	tx      atomix.Tx
	op      transferOp
	call    int64
	attempt uint64
}

func (s *schedule) run(t testing.TB, phases int) {
	w := s.w
	var nonce uint64
	var retry []submitted
	for ph := range phases {
		var batch []submitted
		for _, sub := range retry {
			sub.attempt++
			w.Submit(sub.tx, sub.attempt, sub.tx.InputShards())
			s.stats.retried++
			batch = append(batch, sub)
		}
		retry = nil
		for range 3 + s.r.IntN(6) {
			nonce++
			var sub submitted
			if s.utxo {
				sub.tx = s.coinTx(nonce)
			} else {
				sub.tx, sub.op = s.accountTx(nonce)
			}
			sub.attempt, sub.call = 1, int64(w.Now())
			w.Submit(sub.tx, 1, s.reach(sub.tx))
			id := sub.tx.ID()
			s.order = append(s.order, id)
			s.open[id] = &sub
			batch = append(batch, sub)
			// Spread submissions over a few ticks, with faults in between.
			for range s.r.IntN(3) {
				s.chaos()
				require.NoError(t, w.Step())
			}
		}
		for range 20 {
			s.chaos()
			require.NoError(t, w.Step())
		}
		w.SetReplay(0)
		quiet, err := w.RunUntilQuiet(5000)
		require.NoError(t, err)
		require.True(t, quiet, "seed %d phase %d: world never went quiet", s.seed, ph)
		require.NoError(t, w.Check(true), "seed %d phase %d", s.seed, ph)
		ret := int64(w.Now())
		s.settleOps(ret, false)
		for _, sub := range batch {
			_, ok := w.Committed(sub.tx)
			if ok {
				s.stats.committed++
			} else {
				s.stats.aborted++
				if s.r.IntN(3) == 0 {
					retry = append(retry, sub)
				}
			}
			if s.utxo {
				if ok {
					for i, o := range sub.tx.Outputs {
						s.coins = append(s.coins, coin{shard: o.Shard, id: atomix.CoinID(sub.tx.ID(), i), value: o.Amount})
					}
				}
			}
		}
		if !s.utxo {
			bal := make([]uint64, len(s.accts))
			for i, a := range s.accts {
				bal[i] = w.Balance(a.shard, a.id)
			}
			s.ops = append(s.ops, porcupine.Operation{ClientId: len(s.ops), Input: readOp{}, Call: ret, Output: bal, Return: ret})
		}
		w.SetReplay(uint32(s.r.IntN(3)) * 150)
	}
	s.settleOps(int64(w.Now()), true)
}

// settleOps turns transfers whose outcome is final into porcupine
// operations. A commit is final at once. An abort is final only at the end
// of the run: until then the client may retry, and the attacker may replay
// the lock request under a new attempt, so the transfer may still commit.
func (s *schedule) settleOps(now int64, end bool) {
	if s.utxo {
		return
	}
	for _, id := range s.order {
		p := s.open[id]
		if p == nil {
			continue
		}
		_, ok := s.w.Committed(p.tx)
		if !ok && !end {
			continue
		}
		s.ops = append(s.ops, porcupine.Operation{ClientId: len(s.ops), Input: p.op, Call: p.call, Output: ok, Return: now})
		delete(s.open, id)
	}
}

// chaos crashes a shard leader now and then, at whatever step its sessions are.
func (s *schedule) chaos() {
	if s.r.IntN(100) < 4 {
		s.stats.crashes++
		s.w.Crash(atomix.ShardID(s.r.IntN(len(s.w.Nodes))), 1+s.r.Uint64N(12))
	}
}

func (s *schedule) linearizable() bool {
	genesis := make([]uint64, len(s.accts))
	for i := range genesis {
		genesis[i] = 100
	}
	return porcupine.CheckOperations(bankModel(len(s.accts), genesis), s.ops)
}

func TestPropertySchedules(t *testing.T) {
	var total schedStats
	var lin, sessions int
	for seed := uint64(1); seed <= propertySchedules; seed++ {
		s, err := newSchedule(seed)
		require.NoError(t, err)
		s.run(t, 4)
		if !s.utxo {
			require.True(t, s.linearizable(), "seed %d: history not linearizable", seed)
			lin++
		}
		total.committed += s.stats.committed
		total.aborted += s.stats.aborted
		total.retried += s.stats.retried
		total.crashes += s.stats.crashes
		sessions += len(s.w.Events)
	}
	t.Logf("%d schedules (%d porcupine-checked): %d committed, %d aborted, %d retried, %d leader crashes, %d outcomes applied",
		propertySchedules, lin, total.committed, total.aborted, total.retried, total.crashes, sessions)
	// The generator must exercise both outcomes; otherwise the test proves little.
	require.Greater(t, total.committed, propertySchedules)
	require.Greater(t, total.aborted, propertySchedules/4)
	require.Greater(t, total.retried, 0)
}

// TestPorcupineCatchesDoubleSpend makes sure the history check is not
// vacuous: a history where two transfers that cannot both fit committed,
// or where value appeared, is rejected.
func TestPorcupineCatchesDoubleSpend(t *testing.T) {
	m := bankModel(2, []uint64{100, 0})
	spend := transferOp{from: []int{0}, fromAmt: []uint64{80}, to: []int{1}, toAmt: []uint64{80}}
	cases := []struct {
		name string
		ops  []porcupine.Operation
		ok   bool
	}{
		{"one commits", []porcupine.Operation{
			{ClientId: 0, Input: spend, Call: 0, Output: true, Return: 10},
			{ClientId: 1, Input: spend, Call: 0, Output: false, Return: 10},
			{ClientId: 2, Input: readOp{}, Call: 11, Output: []uint64{20, 80}, Return: 11}}, true},
		{"both commit", []porcupine.Operation{
			{ClientId: 0, Input: spend, Call: 0, Output: true, Return: 10},
			{ClientId: 1, Input: spend, Call: 0, Output: true, Return: 10}}, false},
		{"value created", []porcupine.Operation{
			{ClientId: 0, Input: spend, Call: 0, Output: true, Return: 10},
			{ClientId: 1, Input: readOp{}, Call: 11, Output: []uint64{100, 80}, Return: 11}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.ok, porcupine.CheckOperations(m, c.ops), fmt.Sprint(c.ops))
		})
	}
}

// TestCrashAtEveryStep crashes each shard of a three-shard transfer at
// every tick of its run (so at every protocol step: before the vote, after
// the vote and before its certificate, after sending the proof, after the
// decision, before the acks), briefly or for long, with the client reaching
// one input shard or both, and checks that the run finishes all-or-nothing
// with value conserved.
func TestCrashAtEveryStep(t *testing.T) {
	x, y, z := common.Hash{1}, common.Hash{2}, common.Hash{3}
	tx := atomix.Tx{
		Inputs:  []atomix.Input{acctIn(0, x, 60), acctIn(1, y, 40)},
		Outputs: []atomix.Output{acctOut(2, z, 100)},
	}
	runs, committed := 0, 0
	for _, reach := range [][]atomix.ShardID{{0, 1}, {1}} {
		for shard := range 3 {
			for at := uint64(0); at <= 14; at++ {
				for _, down := range []uint64{1, 6, 20} {
					w, err := atomixsim.New(atomixsim.Config{Seed: at, Shards: 3, FinalityTicks: 2, RetryTicks: 3})
					require.NoError(t, err)
					require.NoError(t, w.Fund(0, x, atomix.NewAccount(100)))
					require.NoError(t, w.Fund(1, y, atomix.NewAccount(40)))
					require.NoError(t, w.Fund(2, z, atomix.NewAccount(0)))
					w.Submit(tx, 1, reach)
					for w.Now() < at {
						require.NoError(t, w.Step())
					}
					w.Crash(atomix.ShardID(shard), down)
					quiet, err := w.RunUntilQuiet(500)
					require.NoError(t, err)
					require.True(t, quiet)
					require.NoError(t, w.Check(true), "crash of shard %d at tick %d for %d", shard, at, down)
					// No outcome at all only when the crash swallowed the
					// client's only lock request (Check has verified that
					// no shard voted then).
					switch w.Outcome(0, tx.ID(), 1) {
					case atomix.Commit:
						require.Equal(t, uint64(100), w.Balance(2, z))
						committed++
					case 0:
						require.Zero(t, w.Outcome(1, tx.ID(), 1))
						require.Zero(t, w.Outcome(2, tx.ID(), 1))
					}
					runs++
				}
			}
		}
	}
	t.Logf("%d crash placements, %d committed", runs, committed)
	require.Greater(t, committed, runs*9/10)
}
