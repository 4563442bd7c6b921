// Package admin is generated from openapi/admin.yaml by oapi-codegen: models, the chi and strict
// servers and a client; and, by cmd/specjson, the spec requests are validated against (Spec). Never
// edit it by hand; run `make generate`.
package admin

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen --config=config.yaml ../../openapi/admin.yaml
//go:generate go run ../../cmd/specjson ../../openapi/admin.yaml admin
