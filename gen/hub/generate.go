// Package hub is generated from openapi/hub.yaml by oapi-codegen: models, the chi and strict
// servers and a client; and, by cmd/specjson, the spec requests are validated against (Spec). Never
// edit it by hand; run `make generate`.
package hub

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen --config=config.yaml ../../openapi/hub.yaml
//go:generate go run ../../cmd/specjson ../../openapi/hub.yaml hub
