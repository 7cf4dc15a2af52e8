package config_test

import (
	"strings"
	"testing"

	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/stretchr/testify/require"
)

func TestDefaultsValidate(t *testing.T) {
	c := config.Config{}.WithDefaults()
	require.NoError(t, c.Validate())
	require.EqualValues(t, 4, c.Shards)
	require.Equal(t, 20, c.Validators)
	require.Equal(t, "pebble", c.Backend)
	require.Equal(t, "pob", c.Engine)
	require.NotEmpty(t, c.DataDir)

	net := config.Config{P2P: config.P2P{Listen: "/ip4/127.0.0.1/tcp/0"}}.WithDefaults()
	require.Equal(t, config.DefaultNetworkValidators, net.Validators)
	require.NoError(t, net.Validate())
}

func TestParse(t *testing.T) {
	c, err := config.Parse([]byte("shards = 2\nengine = \"roundrobin\"\ntick = \"20ms\"\n[api]\nlisten = \"127.0.0.1:0\"\n"))
	require.NoError(t, err)
	require.EqualValues(t, 2, c.Shards)
	require.Equal(t, "roundrobin", c.Engine)
	require.Equal(t, "127.0.0.1:0", c.API.Listen)

	a, err := config.Parse([]byte("[api.admission]\nrate = -1\nclient_rate = 300\ndrain_factor = 1.5\n"))
	require.NoError(t, err)
	require.Equal(t, config.Admission{Rate: -1, ClientRate: 300, DrainFactor: 1.5,
		MinRate: config.DefaultAdmissionMinRate, MaxInFlight: config.DefaultMaxInFlight}, a.WithDefaults().API.Admission)

	// The documented defaults parse back.
	_, err = config.Parse(config.Default())
	require.NoError(t, err)
}

func TestInvalid(t *testing.T) {
	cases := map[string]string{
		"unknown key":     "shardz = 2",
		"bad duration":    `tick = "soon"`,
		"bad engine":      `engine = "pow"`,
		"bad backend":     `backend = "postgres"`,
		"too many shards": "shards = 65",
		"too few vals":    "shards = 4\nvalidators = 3",
		"league too big":  "validators = 20\nbelievable = 4",
		"cross share":     "[load]\ncross_shard_percent = 101",
		"log level":       `log_level = "loud"`,
		"validator index": "validators = 4\n[p2p]\nlisten = \"/ip4/127.0.0.1/tcp/0\"\nvalidator_index = 4",
		"not toml":        "= = =",
		"admission rate":  "[api.admission]\nrate = -2",
		"client rate":     "[api.admission]\nclient_rate = -5",
		"in flight":       "[api.admission]\nmax_in_flight = -7",
		"drain factor":    "[api.admission]\ndrain_factor = 0.1",
		"min rate":        "[api.admission]\nmin_rate = -3",
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := config.Parse([]byte(in))
			require.ErrorIs(t, err, config.ErrInvalid)
		})
	}
}

func TestParseCheckpoint(t *testing.T) {
	hash := "0x" + strings.Repeat("ab", 32)
	cp, err := config.ParseCheckpoint("1:250:" + hash)
	require.NoError(t, err)
	require.Equal(t, config.Checkpoint{Shard: 1, Height: 250, Hash: hash}, cp)
	for _, bad := range []string{"", "1:250", "x:250:" + hash, "1:y:" + hash, "1:0:" + hash, "1:250:0x1234", "1:250:0x" + strings.Repeat("zz", 32)} {
		_, err := config.ParseCheckpoint(bad)
		require.ErrorIs(t, err, config.ErrInvalid, bad)
	}
	c := config.Config{Shards: 2, Checkpoints: []config.Checkpoint{{Shard: 2, Height: 1, Hash: hash}}}
	err = c.Validate()
	require.ErrorIs(t, err, config.ErrInvalid)
	require.Contains(t, err.Error(), "checkpoint shard 2", "a checkpoint of a shard that does not exist")
}
