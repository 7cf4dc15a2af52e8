package pobsim

import (
	"testing"
	"time"
)

func TestQuick(t *testing.T) {
	for _, light := range []bool{true, false} {
		start := time.Now()
		fails := 0
		for seed := uint64(1); seed <= 100; seed++ {
			o := Scenario(seed, light)
			rep, err := Run(o)
			if err != nil {
				fails++
				t.Errorf("%v: %+v", err, o)
				continue
			}
			_ = rep
		}
		t.Logf("light=%v: 100 runs in %v, %d failures", light, time.Since(start), fails)
	}
}
