// Package openapi holds the OpenAPI documents of every API Switchboard serves. They are the
// contract: gen/<api> is generated from them, and the docs site and the conformance suite read
// them from here, byte for byte as published.
package openapi

import (
	"embed"
	"fmt"
)

//go:embed *.yaml
var files embed.FS

// API describes one published API: its spec file and where the server mounts it.
type API struct {
	Name   string // also the spec's file name without ".yaml"
	Prefix string // mount path on the server
}

// APIs lists the published APIs in the order the docs index shows them.
var APIs = []API{
	{Name: "messaging", Prefix: "/messaging"},
	{Name: "helpdesk", Prefix: "/helpdesk"},
	{Name: "hub", Prefix: "/hub"},
	{Name: "desk", Prefix: "/desk"},
	{Name: "admin", Prefix: "/admin"},
}

// Spec returns the raw YAML document of the named API.
func Spec(name string) ([]byte, error) {
	b, err := files.ReadFile(name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("openapi: no spec named %q", name)
	}
	return b, nil
}
