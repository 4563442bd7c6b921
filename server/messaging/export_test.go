package messaging

import (
	"net/http"

	"github.com/switchboard-dev/switchboard/server/service"
)

// NewGeneric is New without the poll fast path: every request takes the generic stack.
func NewGeneric(svc *service.Service) (http.Handler, error) { return newAPI(svc, false) }
