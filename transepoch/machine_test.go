package transepoch

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// swapPlan plans one shard of 16 unit members of which `move` are replaced.
func swapPlan(t *testing.T, move int, cfg Config) ShardPlan {
	t.Helper()
	a := unit(names("a", 16)...)
	nw := append(slices.Clone(a[move:]), unit(names("n", move)...)...)
	p, err := NewPlan(Assignment{Epoch: 1, Shards: [][]Member{a}}, Assignment{Epoch: 2, Shards: [][]Member{nw}}, []byte("rnd"), cfg)
	require.NoError(t, err)
	return p.Shards[0]
}

func ev(kind EventKind, id string) Event { return Event{Kind: kind, Epoch: 2, Shard: 0, Validator: id} }

func ids(ms []Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func TestMachineHappyPath(t *testing.T) {
	cfg := Config{Delta: 2}
	sp := swapPlan(t, 4, cfg)
	require.Len(t, sp.Batches, 2) // headroom 2 at W = 16
	m, err := NewMachine(sp, cfg)
	require.NoError(t, err)
	r := m.Ready()
	require.NotNil(t, r.Committee)
	require.Equal(t, uint64(0), r.Committee.Version)
	require.Equal(t, sp.Start, r.Committee.Members)
	require.False(t, m.HasReady())

	var committees []Committee
	var reshares []Reshare
	for batch, b := range sp.Batches {
		m.Tick()
		r = m.Ready()
		require.NotNil(t, r.Committee, "batch %d", batch)
		committees = append(committees, *r.Committee)
		require.Equal(t, ids(b.Join), r.Bootstrap)
		require.Equal(t, ids(b.Leave), r.Released)
		for _, j := range b.Join {
			require.True(t, r.Committee.Contains(j.ID))
		}
		for _, l := range b.Leave {
			require.False(t, r.Committee.Contains(l.ID))
		}
		require.Equal(t, totalWeight(b.Join), m.UnsyncedWeight())
		require.True(t, Safe(r.Committee.Weight(), m.UnsyncedWeight(), DefaultFaulty))
		// Nothing moves while newcomers sync.
		m.Tick()
		m.Tick()
		require.False(t, m.HasReady())
		require.Len(t, m.Status().Unsynced, len(b.Join))
		for _, j := range b.Join {
			require.True(t, m.Awaits(j.ID))
			require.NoError(t, m.Step(ev(Synced, j.ID)))
			require.False(t, m.Awaits(j.ID))
			require.NoError(t, m.Step(ev(Synced, j.ID)), "duplicate report is harmless")
		}
		require.Zero(t, m.UnsyncedWeight())
		m.Tick()
		r = m.Ready()
		require.NotNil(t, r.Reshare)
		reshares = append(reshares, *r.Reshare)
		if batch == len(sp.Batches)-1 {
			require.True(t, r.Done)
		} else {
			require.NotNil(t, r.Committee, "next batch starts on the completing tick")
			committees = append(committees, *r.Committee)
			require.Len(t, r.Bootstrap, len(sp.Batches[batch+1].Join))
			for _, j := range sp.Batches[batch+1].Join {
				require.NoError(t, m.Step(ev(Synced, j.ID)))
			}
			break
		}
	}
	// Finish: the second batch synced right away; Δ later it completes.
	for !m.Done() {
		m.Tick()
	}
	r = m.Ready()
	require.True(t, r.Done)
	require.NotNil(t, r.Reshare)
	require.Equal(t, sp.Final, m.Committee().Members)
	require.Equal(t, sp.Final, r.Reshare.To.Members)
	require.Equal(t, reshares[0].To.Members, r.Reshare.From.Members)
	require.Equal(t, sp.Start, reshares[0].From.Members)
	require.Greater(t, m.Committee().Version, committees[0].Version)
	m.Tick()
	require.False(t, m.HasReady())
	require.True(t, m.Status().Done)
}

func TestMachineBatchesAreDeltaApart(t *testing.T) {
	cfg := Config{Delta: 5}
	sp := swapPlan(t, 6, cfg)
	m, err := NewMachine(sp, cfg)
	require.NoError(t, err)
	m.Ready()
	var starts []uint64
	for tick := uint64(1); tick <= 100 && !m.Done(); tick++ {
		// Newcomers sync instantly.
		for _, id := range m.Status().Unsynced {
			require.NoError(t, m.Step(ev(Synced, id)))
		}
		m.Tick()
		if r := m.Ready(); len(r.Bootstrap) > 0 {
			starts = append(starts, tick)
		}
	}
	require.True(t, m.Done())
	require.Len(t, starts, len(sp.Batches))
	for i := 1; i < len(starts); i++ {
		require.Equal(t, uint64(5), starts[i]-starts[i-1])
	}
}

func TestMachineSyncTimeoutRetriesThenAbandons(t *testing.T) {
	cfg := Config{Delta: 1, SyncTimeout: 3, MaxRetries: 1}
	sp := swapPlan(t, 2, cfg)
	require.Len(t, sp.Batches, 1)
	m, err := NewMachine(sp, cfg)
	require.NoError(t, err)
	m.Ready()
	stuck, good := sp.Batches[0].Join[0].ID, sp.Batches[0].Join[1].ID
	m.Tick() // batch starts
	r := m.Ready()
	require.ElementsMatch(t, []string{stuck, good}, r.Bootstrap)
	require.NoError(t, m.Step(ev(Synced, good)))
	m.Tick()
	m.Tick()
	require.False(t, m.HasReady())
	m.Tick() // deadline: stuck leaves the committee, is queued again
	r = m.Ready()
	require.NotNil(t, r.Reshare)
	require.False(t, r.Reshare.To.Contains(stuck), "reshare goes to the synced committee")
	require.True(t, r.Reshare.To.Contains(good))
	require.NotNil(t, r.Committee)
	require.Equal(t, []string{stuck}, r.Bootstrap, "retry starts at once: Δ = 1 has passed")
	require.True(t, m.Committee().Contains(stuck))
	for range 3 {
		m.Tick()
	}
	r = m.Ready()
	require.Equal(t, []string{stuck}, r.Abandoned)
	require.True(t, r.Done)
	require.False(t, m.Committee().Contains(stuck))
	require.Len(t, m.Committee().Members, 15)
}

func TestMachineNoRetry(t *testing.T) {
	cfg := Config{SyncTimeout: 2, MaxRetries: -1}
	sp := swapPlan(t, 1, cfg)
	m, err := NewMachine(sp, cfg)
	require.NoError(t, err)
	m.Tick()
	m.Tick()
	m.Tick()
	r := m.Ready()
	require.Equal(t, ids(sp.Batches[0].Join), r.Abandoned)
	require.True(t, r.Done)
}

func TestMachineChurn(t *testing.T) {
	cfg := Config{Delta: 1}
	sp := swapPlan(t, 6, cfg)
	require.GreaterOrEqual(t, len(sp.Batches), 3)
	m, err := NewMachine(sp, cfg)
	require.NoError(t, err)
	m.Ready()
	m.Tick()
	m.Ready()
	first := sp.Batches[0]
	// A staying member leaves mid-transition. The batch uses the whole
	// headroom, so it stays (not voting) until the batch completes.
	stayer := sp.Final[0].ID
	require.True(t, slices.Contains(ids(sp.Start), stayer))
	require.NoError(t, m.Step(ev(Left, stayer)))
	require.False(t, m.HasReady())
	require.Equal(t, []string{stayer}, m.Status().Leaving)
	require.NoError(t, m.Step(ev(Left, stayer)), "repeated leave is harmless")
	require.False(t, m.HasReady())
	var r Ready
	// A pending newcomer leaves: abandoned, no longer awaited.
	require.NoError(t, m.Step(ev(Left, first.Join[0].ID)))
	r = m.Ready()
	require.Equal(t, []string{first.Join[0].ID}, r.Abandoned)
	// A leaver of a later batch leaves early, and a newcomer of a later
	// batch never shows up.
	later := sp.Batches[len(sp.Batches)-1]
	require.NoError(t, m.Step(ev(Left, later.Leave[0].ID)))
	require.NoError(t, m.Step(ev(Left, later.Join[0].ID)))
	m.Ready()
	var abandoned []string
	for tick := 0; tick < 100 && !m.Done(); tick++ {
		for _, id := range m.Status().Unsynced {
			require.NoError(t, m.Step(ev(Synced, id)))
		}
		m.Tick()
		r := m.Ready()
		abandoned = append(abandoned, r.Abandoned...)
		require.NotContains(t, r.Released, later.Leave[0].ID)
		require.NotContains(t, r.Bootstrap, later.Join[0].ID)
	}
	require.True(t, m.Done())
	require.Equal(t, []string{later.Join[0].ID}, abandoned)
	final := m.Committee()
	require.Len(t, final.Members, len(sp.Final)-3)
	for _, id := range []string{stayer, first.Join[0].ID, later.Join[0].ID, later.Leave[0].ID} {
		require.False(t, final.Contains(id))
	}
}

func TestMachinePausesWhileMembersAreDown(t *testing.T) {
	cfg := Config{Delta: 1}
	sp := swapPlan(t, 4, cfg)
	m, err := NewMachine(sp, cfg)
	require.NoError(t, err)
	m.Ready()
	// W = 16: ⌊15/3⌋ = 5; β·W = 3 leaves 2 for newcomers. Four members
	// down leave 1, five leave none.
	var stay []string
	for _, mb := range sp.Start {
		if slices.Contains(ids(sp.Final), mb.ID) {
			stay = append(stay, mb.ID)
		}
	}
	for _, id := range stay[:4] {
		require.NoError(t, m.Step(ev(Down, id)))
	}
	require.Len(t, m.Status().Down, 4)
	m.Tick()
	r := m.Ready()
	require.Len(t, r.Bootstrap, 1, "batch shrunk to what the headroom allows")
	require.NoError(t, m.Step(ev(Synced, r.Bootstrap[0])))
	require.NoError(t, m.Step(ev(Down, stay[4])))
	m.Tick()
	r = m.Ready()
	require.Empty(t, r.Bootstrap)
	require.True(t, m.Status().Paused)
	m.Tick()
	require.True(t, m.Status().Paused)
	require.NoError(t, m.Step(ev(Up, stay[4])))
	require.NoError(t, m.Step(ev(Up, stay[3])))
	m.Tick()
	r = m.Ready()
	require.Len(t, r.Bootstrap, 1)
	require.False(t, m.Status().Paused)
}

func TestMachineFreshAndRetiredShards(t *testing.T) {
	a := unit(names("a", 10)...)
	p, err := NewPlan(Assignment{Epoch: 1, Shards: [][]Member{a, nil}}, Assignment{Epoch: 2, Shards: [][]Member{nil, a}}, []byte("r"), Config{})
	require.NoError(t, err)
	retired, err := NewMachine(p.Shards[0], Config{})
	require.NoError(t, err)
	retired.Tick()
	r := retired.Ready()
	require.Len(t, r.Released, 10)
	require.Empty(t, r.Committee.Members)
	retired.Tick()
	require.True(t, retired.Done())

	fresh, err := NewMachine(p.Shards[1], Config{})
	require.NoError(t, err)
	fresh.Tick()
	r = fresh.Ready()
	require.Len(t, r.Bootstrap, 10, "a new shard takes all its members at once")
	for _, id := range r.Bootstrap {
		require.NoError(t, fresh.Step(Event{Kind: Synced, Epoch: 2, Shard: 1, Validator: id}))
	}
	fresh.Tick()
	require.True(t, fresh.Done())
}

func TestMachineUnchangedShardIsDone(t *testing.T) {
	a := unit(names("a", 10)...)
	p, err := NewPlan(Assignment{Epoch: 1, Shards: [][]Member{a}}, Assignment{Epoch: 2, Shards: [][]Member{a}}, []byte("r"), Config{})
	require.NoError(t, err)
	m, err := NewMachine(p.Shards[0], Config{})
	require.NoError(t, err)
	require.True(t, m.Done())
	require.True(t, m.Ready().Done)
}

func TestMachineRejects(t *testing.T) {
	sp := swapPlan(t, 2, Config{})
	m, err := NewMachine(sp, Config{})
	require.NoError(t, err)
	newcomer := sp.Batches[0].Join[0].ID
	for _, tc := range []struct {
		name string
		e    Event
		err  error
	}{
		{"wrong epoch", Event{Kind: Synced, Epoch: 3, Validator: newcomer}, ErrWrongEpoch},
		{"wrong shard", Event{Kind: Synced, Epoch: 2, Shard: 1, Validator: newcomer}, ErrWrongEpoch},
		{"unknown", ev(Synced, "stranger"), ErrUnknownValidator},
		{"no batch yet", ev(Synced, newcomer), ErrNotNewcomer},
		{"bad kind", Event{Kind: 99, Epoch: 2, Validator: newcomer}, ErrDecode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, m.Step(tc.e), tc.err)
		})
	}
	m.Tick()
	require.ErrorIs(t, m.Step(ev(Synced, sp.Start[0].ID)), ErrNotNewcomer)
	require.Equal(t, "synced", Synced.String())
	require.Equal(t, "left", Left.String())
	require.Equal(t, "down", Down.String())
	require.Equal(t, "up", Up.String())
	require.Equal(t, "EventKind(9)", EventKind(9).String())

	// An unsafe plan is refused.
	bad := sp
	bad.Batches = []Batch{{Leave: sp.Batches[0].Leave, Join: append(slices.Clone(sp.Batches[0].Join), unit("x", "y", "z")...)}}
	_, err = NewMachine(bad, Config{})
	require.ErrorIs(t, err, ErrUnsafePlan)
	bad.Batches = []Batch{{Leave: unit(names("z", 40)...)}}
	_, err = NewMachine(bad, Config{})
	require.ErrorIs(t, err, ErrUnsafePlan)
	_, err = NewMachine(sp, Config{Faulty: Fraction{1, 2}})
	require.ErrorIs(t, err, ErrBadConfig)
}

func TestMachineKeepsLeaverWhoseRemovalBreaksTheBound(t *testing.T) {
	// W = 16 with a batch of 2 unsynced uses the whole headroom (⌊15/3⌋ − 3
	// = 2). A stayer that leaves now would drop W to 15: ⌊14/3⌋ − 3 = 1 < 2.
	cfg := Config{Delta: 1}
	sp := swapPlan(t, 2, cfg)
	m, err := NewMachine(sp, cfg)
	require.NoError(t, err)
	m.Tick()
	r := m.Ready()
	require.Len(t, r.Bootstrap, 2)
	stayer := sp.Final[0].ID
	require.NoError(t, m.Step(ev(Left, stayer)))
	require.Nil(t, m.Ready().Committee, "no handover: the leaver stays for now")
	require.True(t, m.Committee().Contains(stayer))
	require.Equal(t, []string{stayer}, m.Status().Leaving)
	for _, id := range r.Bootstrap {
		require.NoError(t, m.Step(ev(Synced, id)))
	}
	m.Tick()
	r = m.Ready()
	require.True(t, r.Done)
	require.NotNil(t, r.Committee)
	require.False(t, r.Committee.Contains(stayer))
	require.False(t, r.Reshare.To.Contains(stayer))
	require.Empty(t, m.Status().Leaving)

	// Between batches the same leave is immediate.
	m2, err := NewMachine(sp, cfg)
	require.NoError(t, err)
	m2.Ready()
	require.NoError(t, m2.Step(ev(Left, stayer)))
	require.False(t, m2.Ready().Committee.Contains(stayer))
}

func TestMachineAbandonsNewcomerThatCannotFitAnyMore(t *testing.T) {
	cfg := Config{SyncTimeout: 2, MaxRetries: 1}
	sp := swapPlan(t, 1, cfg)
	m, err := NewMachine(sp, cfg)
	require.NoError(t, err)
	m.Tick()
	newcomer := m.Ready().Bootstrap[0]
	// Eleven stayers leave while the newcomer syncs: their removal waits
	// for the batch to end, then the committee weighs 4, too light for
	// the retry (a committee of 5 with one unsynced has no headroom).
	left := 0
	for _, mb := range sp.Final {
		if mb.ID != newcomer && left < 11 {
			require.NoError(t, m.Step(ev(Left, mb.ID)))
			left++
		}
	}
	m.Tick()
	m.Tick() // deadline
	r := m.Ready()
	require.Equal(t, []string{newcomer}, r.Abandoned)
	require.True(t, r.Done)
	require.Len(t, m.Committee().Members, 4)
	require.False(t, m.Status().Paused)
}
