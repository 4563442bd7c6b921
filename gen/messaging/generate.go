// Package messaging is generated from openapi/messaging.yaml by oapi-codegen: models, the chi and strict
// servers, the embedded spec and a client. Never edit it by hand; run `make generate`.
package messaging

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen --config=config.yaml ../../openapi/messaging.yaml
