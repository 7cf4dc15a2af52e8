package des

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSimOrder(t *testing.T) {
	tests := []struct {
		name  string
		times []time.Duration
		want  string
	}{
		{"ascending", []time.Duration{1, 2, 3}, "0@1 1@2 2@3"},
		{"descending", []time.Duration{3, 2, 1}, "2@1 1@2 0@3"},
		{"ties keep scheduling order", []time.Duration{5, 5, 1, 5}, "2@1 0@5 1@5 3@5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New(1)
			var got []string
			for i, at := range tc.times {
				s.At(at, func() { got = append(got, fmt.Sprintf("%d@%d", i, s.Now())) })
			}
			s.RunUntil(10)
			require.Equal(t, tc.want, strings.Join(got, " "))
			require.Equal(t, time.Duration(10), s.Now())
			require.Equal(t, uint64(len(tc.times)), s.Processed())
		})
	}
}

func TestRunUntilLeavesLaterEvents(t *testing.T) {
	s := New(1)
	ran := 0
	s.At(5, func() { ran++ })
	s.At(15, func() { ran++ })
	s.RunUntil(10)
	require.Equal(t, 1, ran)
	require.Equal(t, 1, s.Pending())
	s.At(3, func() { ran += 10 }) // in the past: runs at now
	s.RunUntil(20)
	require.Equal(t, 12, ran)
}

func TestEvery(t *testing.T) {
	s := New(1)
	var at []time.Duration
	s.Every(10, func() bool { at = append(at, s.Now()); return len(at) < 3 })
	s.RunUntil(100)
	require.Equal(t, []time.Duration{10, 20, 30}, at)
	require.Panics(t, func() { s.Every(0, func() bool { return false }) })
}

func TestCPU(t *testing.T) {
	tests := []struct {
		name  string
		cores int
		costs []time.Duration
		want  []time.Duration
	}{
		{"one core queues", 1, []time.Duration{10, 10, 5}, []time.Duration{10, 20, 25}},
		{"two cores share", 2, []time.Duration{10, 10, 5}, []time.Duration{10, 10, 15}},
		{"zero cores means one", 0, []time.Duration{4, 4}, []time.Duration{4, 8}},
		{"negative cost is free", 1, []time.Duration{-3, 2}, []time.Duration{0, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New(1)
			c := NewCPU(s, tc.cores)
			var got []time.Duration
			for _, cost := range tc.costs {
				got = append(got, c.Run(cost, nil))
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestNetworkBandwidthAndPartition(t *testing.T) {
	s := New(1)
	n, err := NewNetwork(s, 3, NetConfig{Latency: Constant(time.Millisecond), Bandwidth: 1000})
	require.NoError(t, err)
	var got []string
	send := func(from, to, size int) {
		n.Send(from, to, size, func() { got = append(got, fmt.Sprintf("%d->%d@%v", from, to, s.Now())) })
	}
	send(0, 1, 1000) // 1 s on the wire + 1 ms
	send(0, 2, 500)  // queues behind the first: 1.5 s + 1 ms
	n.Partition([]int{2})
	send(1, 2, 10) // cut
	s.RunUntil(2 * time.Second)
	// 0->2 left before the partition but arrives across it: cut.
	require.Equal(t, []string{"0->1@1.001s"}, got)
	st := n.Stats()
	require.Equal(t, uint64(3), st.Sent)
	require.Equal(t, uint64(1), st.Delivered)
	require.Equal(t, uint64(2), st.Cut)
	n.Heal()
	send(1, 2, 0)
	s.RunUntil(3 * time.Second)
	require.Equal(t, []string{"0->1@1.001s", "1->2@2.001s"}, got)
}

func TestNetworkValidate(t *testing.T) {
	s := New(1)
	for _, cfg := range []NetConfig{{Bandwidth: -1}, {Loss: 1}, {Loss: -0.1}} {
		_, err := NewNetwork(s, 2, cfg)
		require.Error(t, err, "%+v", cfg)
	}
}

func TestNetworkLossAndDeterminism(t *testing.T) {
	run := func(seed uint64) (NetStats, []time.Duration) {
		s := New(seed)
		n, err := NewNetwork(s, 2, NetConfig{Latency: LogNormal{Min: time.Millisecond, Median: 5 * time.Millisecond, Sigma: 0.5}, Loss: 0.2})
		require.NoError(t, err)
		var at []time.Duration
		for range 1000 {
			n.Send(0, 1, 100, func() { at = append(at, s.Now()) })
		}
		s.RunUntil(time.Minute)
		return n.Stats(), at
	}
	st1, at1 := run(7)
	st2, at2 := run(7)
	require.Equal(t, st1, st2)
	require.Equal(t, at1, at2)
	require.InDelta(t, 200, float64(st1.Lost), 60, "about 20%% lost")
	require.Equal(t, st1.Sent, st1.Lost+st1.Delivered)
	_, at3 := run(8)
	require.NotEqual(t, at1, at3)
}

func TestDists(t *testing.T) {
	s := New(3)
	r := s.Rand()
	require.Equal(t, 5*time.Millisecond, Constant(5*time.Millisecond).Sample(r))
	for range 1000 {
		v := Uniform{Min: 2, Max: 4}.Sample(r)
		require.True(t, v >= 2 && v <= 4)
		l := LogNormal{Min: 10, Median: 100, Sigma: 1}.Sample(r)
		require.GreaterOrEqual(t, l, time.Duration(10))
	}
	require.Equal(t, time.Duration(3), Uniform{Min: 3, Max: 1}.Sample(r))
	require.Equal(t, time.Duration(110), LogNormal{Min: 10, Median: 100}.Sample(r))
	require.Contains(t, LogNormal{Min: 1, Median: 2, Sigma: 0.5}.String(), "sigma=0.5")
}

func TestSharedCPU(t *testing.T) {
	s := New(1)
	dedicated := NewSharedCPU(s, 2, 0)
	shared := NewSharedCPU(s, 2, 0.5) // the process gets half a core of two
	require.Equal(t, 10*time.Millisecond, dedicated.Run(10*time.Millisecond, nil))
	require.Equal(t, 40*time.Millisecond, shared.Run(10*time.Millisecond, nil))
	require.Equal(t, 40*time.Millisecond, shared.Busy(), "busy time is the stretched time")
}
