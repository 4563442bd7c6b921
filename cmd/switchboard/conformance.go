package main

import (
	"context"
	"errors"
	"io"

	"github.com/switchboard-dev/switchboard/conformance"
)

// runConformance runs the conformance scenarios against a running server and prints the coverage
// matrix; it fails on any violation.
func runConformance(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("conformance")
	base := fs.String("base-url", "http://127.0.0.1:8080", "the server to check (start it with --clock=virtual so the timer scenarios run; on the wall clock they are skipped)")
	token := fs.String("admin-token", "", "the server's operator API token")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *token == "" {
		return errors.New("--admin-token (or SWITCHBOARD_ADMIN_TOKEN) is required: the scenarios create their own tenants")
	}
	return conformance.Run(ctx, conformance.Target{BaseURL: *base, AdminToken: *token}, out)
}
