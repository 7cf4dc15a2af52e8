package harness

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// Duration is a time.Duration written as a Go duration string in TOML.
type Duration time.Duration

// UnmarshalText parses "1.5s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Manifest describes a testnet run: the network, the load and the
// perturbation schedule. Zero fields take the defaults of WithDefaults.
type Manifest struct {
	// Validators is the number of node processes (one validator each).
	Validators int `toml:"validators"`
	// Shards is the number of shards.
	Shards int `toml:"shards"`
	// Seed fixes the perturbation schedule and the load's choices.
	Seed int64 `toml:"seed"`
	// Engine is the node's consensus engine (pob or roundrobin).
	Engine string `toml:"engine"`
	// Tick is the nodes' consensus tick period.
	Tick Duration `toml:"tick"`
	// EpochBlocks is the heights per epoch.
	EpochBlocks uint64 `toml:"epoch_blocks"`
	// MempoolCapacity is each shard pool's capacity (0: the node's default).
	MempoolCapacity int `toml:"mempool_capacity"`
	// NodeArgs are extra flags for every node process's run command, e.g.
	// ["--api-rate=-1"] to switch the API's admission control off.
	NodeArgs []string `toml:"node_args"`

	// Rate is the offered load in transfers per second.
	Rate int `toml:"rate"`
	// CrossShardPercent is the share of cross-shard transfers.
	CrossShardPercent int `toml:"cross_shard_percent"`
	// Accounts is the number of demo accounts the load sends from.
	Accounts int `toml:"accounts"`
	// Window is the most transfers a sender has signed beyond its ledger
	// nonce; a larger window than the node's per-sender limit floods.
	Window int `toml:"window"`
	// Workers is the number of concurrent HTTP submitters.
	Workers int `toml:"workers"`

	// Perturbations is the number of perturbations to apply.
	Perturbations int `toml:"perturbations"`
	// Kinds are the perturbation kinds to draw from.
	Kinds []Kind `toml:"kinds"`
	// GapMin and GapMax bound the quiet time before each perturbation.
	GapMin Duration `toml:"gap_min"`
	GapMax Duration `toml:"gap_max"`
	// DownMin and DownMax bound how long a perturbation lasts.
	DownMin Duration `toml:"down_min"`
	DownMax Duration `toml:"down_max"`
	// Warmup is how long the network runs under load before the first
	// perturbation.
	Warmup Duration `toml:"warmup"`
	// RejoinBound is how long a perturbed node may take to catch up after
	// it is healed; LivenessBound is how long the whole network may take
	// to progress on every node after the last perturbation.
	RejoinBound   Duration `toml:"rejoin_bound"`
	LivenessBound Duration `toml:"liveness_bound"`
	// Budget, when set, stops applying perturbations once the run has
	// lasted this long (the rest of the schedule is skipped).
	Budget Duration `toml:"budget"`
}

// WithDefaults returns m with every zero field set: a 4-validator,
// 2-shard network offered 20 transfers/s, 12 perturbations of the default
// kinds.
func (m Manifest) WithDefaults() Manifest {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	defD := func(p *Duration, v time.Duration) {
		if *p == 0 {
			*p = Duration(v)
		}
	}
	def(&m.Validators, 4)
	def(&m.Shards, 2)
	if m.Seed == 0 {
		m.Seed = 1
	}
	if m.Engine == "" {
		m.Engine = "pob"
	}
	defD(&m.Tick, 50*time.Millisecond)
	if m.EpochBlocks == 0 {
		m.EpochBlocks = 300
	}
	def(&m.Rate, 20)
	def(&m.CrossShardPercent, 20)
	def(&m.Accounts, 64)
	def(&m.Window, 16)
	def(&m.Workers, 8)
	def(&m.Perturbations, 12)
	if len(m.Kinds) == 0 {
		m.Kinds = DefaultKinds
	}
	defD(&m.GapMin, 2*time.Second)
	defD(&m.GapMax, 5*time.Second)
	defD(&m.DownMin, 1*time.Second)
	defD(&m.DownMax, 4*time.Second)
	defD(&m.Warmup, 5*time.Second)
	defD(&m.RejoinBound, 90*time.Second)
	defD(&m.LivenessBound, 60*time.Second)
	return m
}

// Validate reports the first unusable field of m (after defaults).
func (m Manifest) Validate() error {
	m = m.WithDefaults()
	switch {
	case m.Validators < 4:
		return fmt.Errorf("harness: %d validators; BFT needs at least 4", m.Validators)
	case m.Shards < 1 || m.Shards > 64:
		return fmt.Errorf("harness: %d shards", m.Shards)
	case m.CrossShardPercent < 0 || m.CrossShardPercent > 100:
		return fmt.Errorf("harness: cross_shard_percent %d", m.CrossShardPercent)
	case m.Accounts < 2:
		return errors.New("harness: at least 2 accounts")
	case m.GapMax < m.GapMin || m.DownMax < m.DownMin:
		return errors.New("harness: a maximum below its minimum")
	case m.Rate < 0 || m.Window < 1 || m.Workers < 1 || m.Perturbations < 0:
		return errors.New("harness: negative rate, window, workers or perturbations")
	}
	for _, k := range m.Kinds {
		if !k.valid() {
			return fmt.Errorf("harness: unknown perturbation kind %q (want %s)", k, kindList())
		}
	}
	return nil
}

// ReadManifest reads a TOML manifest; unknown keys are an error.
func ReadManifest(path string) (Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Manifest{}, err
	}
	var m Manifest
	dec := toml.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("harness: manifest %s: %w", path, err)
	}
	return m, m.Validate()
}
