package transepoch

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

type failing struct {
	Memory
	sink, boot, reshare error
}

func (f *failing) SetCommittee(c Committee) error {
	if f.sink != nil {
		return f.sink
	}
	return f.Memory.SetCommittee(c)
}

func (f *failing) Bootstrap(s uint32, e uint64, id string) error {
	if f.boot != nil {
		return f.boot
	}
	return f.Memory.Bootstrap(s, e, id)
}

func (f *failing) Reshare(r Reshare) error {
	if f.reshare != nil {
		return f.reshare
	}
	return f.Memory.Reshare(r)
}

func TestDriverCarriesOutReady(t *testing.T) {
	cfg := Config{Delta: 1}
	sp := swapPlan(t, 4, cfg)
	m, err := NewMachine(sp, cfg)
	require.NoError(t, err)
	node := &Memory{}
	require.Equal(t, Committee{}, node.Current())
	d, err := NewDriver(m, Deps{Bootstrapper: node, Sync: node, Sink: node, Resharer: node})
	require.NoError(t, err)
	require.Same(t, m, d.Machine())
	require.Len(t, node.Committees, 1, "starting committee handed over at once")
	require.NoError(t, d.Tick())
	require.Len(t, node.Bootstrapped, 2)
	require.NoError(t, d.Tick())
	require.False(t, m.Done(), "no one synced yet")
	for range 10 {
		for _, id := range node.Bootstrapped {
			node.MarkSynced(id)
		}
		require.NoError(t, d.Tick())
	}
	require.True(t, m.Done())
	require.Equal(t, sp.Final, node.Current().Members)
	require.Equal(t, ids(sp.Final), node.Current().IDs())
	require.Len(t, node.Reshares, 2)
	for i := 1; i < len(node.Committees); i++ {
		require.Greater(t, node.Committees[i].Version, node.Committees[i-1].Version)
	}
}

func TestDriverWithoutSyncReporterTakesEvents(t *testing.T) {
	sp := swapPlan(t, 1, Config{})
	m, err := NewMachine(sp, Config{})
	require.NoError(t, err)
	node := &Memory{}
	d, err := NewDriver(m, Deps{Bootstrapper: node, Sink: node, Resharer: node})
	require.NoError(t, err)
	require.NoError(t, d.Tick())
	require.NoError(t, d.Step(ev(Synced, node.Bootstrapped[0])))
	require.ErrorIs(t, d.Step(ev(Synced, "stranger")), ErrUnknownValidator)
	require.NoError(t, d.Tick())
	require.True(t, m.Done())
}

func TestDriverReportsInterfaceErrors(t *testing.T) {
	_, err := NewDriver(nil, Deps{})
	require.ErrorIs(t, err, ErrBadConfig)
	boom := errors.New("boom")
	sp := swapPlan(t, 1, Config{})
	m, err := NewMachine(sp, Config{})
	require.NoError(t, err)
	node := &failing{sink: boom}
	_, err = NewDriver(m, Deps{Bootstrapper: node, Sync: node, Sink: node, Resharer: node})
	require.ErrorIs(t, err, boom)

	m, err = NewMachine(sp, Config{})
	require.NoError(t, err)
	node = &failing{boot: boom, reshare: boom}
	d, err := NewDriver(m, Deps{Bootstrapper: node, Sync: node, Sink: node, Resharer: node})
	require.NoError(t, err)
	err = d.Tick()
	require.ErrorIs(t, err, boom)
	require.Contains(t, err.Error(), "bootstrap")
	node.MarkSynced(sp.Batches[0].Join[0].ID)
	err = d.Tick()
	require.ErrorIs(t, err, boom)
	require.Contains(t, err.Error(), "reshare")
	require.True(t, m.Done())
}
