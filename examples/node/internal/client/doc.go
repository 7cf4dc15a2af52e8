// Package client is a small Go client of the example node's HTTP API, used
// by the CLI, the load generator and the integration tests. A refusal comes
// back as *APIError carrying the HTTP status and the API's reason code.
package client
