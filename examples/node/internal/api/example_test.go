package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/iostkit/iostkit/examples/node/internal/api"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/client"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/examples/node/internal/node"
)

// Serve a node's API and ask it two things: a demo account's balance, and
// what it makes of a request that is not JSON.
func Example() {
	n, err := node.New(config.Config{Shards: 2, Validators: 4, Backend: "memdb", DemoAccounts: 4}, nil, nil)
	if err != nil {
		panic(err)
	}
	defer n.Close()
	srv := httptest.NewServer(api.New(n, nil))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	acct, err := client.New(srv.URL).Account(ctx, chain.DemoAddress(0))
	fmt.Println(acct.Balance, acct.Nonce, err)

	resp, err := http.Post(srv.URL+"/tx", "application/json", strings.NewReader("{not json"))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	// Output:
	// 1000000 0 <nil>
	// 400
}
