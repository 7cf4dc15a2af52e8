package config_test

import (
	"fmt"

	"github.com/iostkit/iostkit/examples/node/internal/config"
)

// A config file names only what differs from the defaults; Validate names
// the first bad field.
func Example() {
	c, err := config.Parse([]byte(`
shards = 2
engine = "roundrobin"
[load]
rate = 200
`))
	fmt.Println(c.Shards, c.Engine, c.Load.Rate, err)

	_, err = config.Parse([]byte(`engine = "pow"`))
	fmt.Println(err)
	// Output:
	// 2 roundrobin 200 <nil>
	// config: invalid: engine: "pow", want one of pob, roundrobin
}
