//go:build tools

// Package tools pins the code generators used by `make generate`, so that
// `go run` resolves them from go.mod at exactly these versions.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
