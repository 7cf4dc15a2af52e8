package sim

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPerfectNetworkDeliversInOrder(t *testing.T) {
	n := New[int](Config{})
	for i := range 5 {
		n.Send(0, 1, i)
	}
	require.Empty(t, n.DeliverUntil(0))
	got := n.DeliverUntil(1)
	require.Len(t, got, 5)
	for i, e := range got {
		require.Equal(t, i, e.Msg)
		require.Equal(t, NodeID(1), e.To)
		require.Equal(t, uint64(1), e.At)
	}
	d, x := n.Stats()
	require.Equal(t, uint64(5), d)
	require.Zero(t, x)
}

func TestSameSeedSameSchedule(t *testing.T) {
	run := func(seed uint64) []string {
		n := New[int](Config{Seed: seed, MinDelay: 1, MaxDelay: 9, DropPerMille: 100, DupPerMille: 100})
		var log []string
		for tick := uint64(0); tick < 50; tick++ {
			n.Send(NodeID(tick%3), NodeID((tick+1)%3), int(tick))
			for _, e := range n.DeliverUntil(tick) {
				log = append(log, fmt.Sprintf("%d:%d>%d=%d", e.At, e.From, e.To, e.Msg))
			}
		}
		return log
	}
	require.Equal(t, run(7), run(7))
	require.NotEqual(t, run(7), run(8))
}

func TestPartitionCrashAndHeal(t *testing.T) {
	n := New[string](Config{})
	n.Partition([]NodeID{0, 1}, []NodeID{2})
	n.Send(0, 2, "cut")
	n.Send(0, 1, "same side")
	got := n.DeliverUntil(1)
	require.Len(t, got, 1)
	require.Equal(t, "same side", got[0].Msg)

	n.Heal()
	n.Send(0, 2, "healed")
	n.Crash(2)
	require.True(t, n.Crashed(2))
	require.Equal(t, []NodeID{2}, n.CrashedNodes())
	require.Empty(t, n.DeliverUntil(2), "message to a node that crashed in flight is dropped")

	n.Restart(2)
	n.Broadcast(0, []NodeID{0, 1, 2}, "all")
	require.Equal(t, 2, n.Pending())
	require.Len(t, n.DeliverUntil(3), 2)
	_, dropped := n.Stats()
	require.Equal(t, uint64(2), dropped)
}

func TestDelaysStayInBounds(t *testing.T) {
	n := New[int](Config{Seed: 1, MinDelay: 3, MaxDelay: 5})
	for i := range 200 {
		n.Send(0, 1, i)
	}
	for _, e := range n.DeliverUntil(100) {
		require.GreaterOrEqual(t, e.At, uint64(3))
		require.LessOrEqual(t, e.At, uint64(5))
	}
	require.Equal(t, uint64(100), n.Now())
	require.NotNil(t, n.Rand())
}

func ExampleNetwork() {
	n := New[string](Config{Seed: 42})
	n.Send(0, 1, "hello")
	for _, e := range n.DeliverUntil(1) {
		fmt.Printf("tick %d: %d -> %d: %s\n", e.At, e.From, e.To, e.Msg)
	}
	// Output: tick 1: 0 -> 1: hello
}
