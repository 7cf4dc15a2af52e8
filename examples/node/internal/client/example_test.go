package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/examples/node/internal/api"
	"github.com/iostkit/iostkit/examples/node/internal/client"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/examples/node/internal/node"
)

// A refusal comes back as *client.APIError with the HTTP status and the
// API's reason code.
func Example() {
	n, err := node.New(config.Config{Shards: 2, Validators: 4, Backend: "memdb", DemoAccounts: 2}, nil, nil)
	if err != nil {
		panic(err)
	}
	defer n.Close()
	srv := httptest.NewServer(api.New(n, nil))
	defer srv.Close()

	c := client.New(srv.URL)
	st, _ := c.Status(context.Background())
	fmt.Println(st.ChainID, len(st.Shards))

	_, err = c.Account(context.Background(), common.Address{0x42})
	var ae *client.APIError
	fmt.Println(errors.As(err, &ae), ae.Status, ae.Code)
	// Output:
	// 2026 2
	// true 404 unknown_account
}
